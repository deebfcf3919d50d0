/** The memory store keeps envelopes too: one swapped behind its back is caught, not returned. */
import { expect, it } from 'vitest';
import { CorruptSnapshotError, MemorySnapshotStore, SnapshotMetadata, SnapshotSelectionCriteria } from '../../src/index.js';

it('skips snapshots whose stored payloads were swapped, naming each', async () => {
  const store = new MemorySnapshotStore();
  await store.save(new SnapshotMetadata({ persistenceId: 'm', sequenceNr: 1 }), { state: 's-1' });
  await store.save(new SnapshotMetadata({ persistenceId: 'm', sequenceNr: 2 }), { state: 's-2' });
  const [one, two] = [store.storedBytes('m', 1) as Uint8Array, store.storedBytes('m', 2) as Uint8Array];
  expect(one.length).toBe(two.length);
  const copy = Uint8Array.from(one);
  one.set(two);
  two.set(copy);
  const skipped: Error[] = [];
  const selected = await store.load('m', SnapshotSelectionCriteria.Latest, { onSkipped: (entry) => skipped.push(entry.error) });
  expect(selected).toBeNull();
  expect(skipped.map((error) => error.message)).toEqual([
    expect.stringMatching(/snapshot 2 of "m".*written for another place/),
    expect.stringMatching(/snapshot 1 of "m".*written for another place/),
  ]);
  expect(skipped[0]).toBeInstanceOf(CorruptSnapshotError);
});
