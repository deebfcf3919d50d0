/**
 * A small store set written the way Memento writes it, for inspection and CLI tests:
 * `account|1` (10 events, snapshots at 5 and 10), `account|2` (3 events, no snapshot),
 * `ledger` (6 machine actions, recorder snapshot at 3) and durable `profile|1` (revision 2).
 */
import { expect } from 'vitest';
import {
  type DurableStateStore,
  type Journal,
  type PersistentRepr,
  SnapshotMetadata,
  type SnapshotStore,
  wrapSnapshotMetadata,
} from '../../src/index.js';

/** Timestamp of event `sequenceNr` of the seed (fixed, so outputs are stable). */
export const timeOf = (sequenceNr: number): number => Date.UTC(2026, 0, 1, 12, 0, sequenceNr);

/** The state of `account|1` after `n` deposits of 10·k. */
export const accountAfter = (n: number) => {
  let balance = 0;
  for (let k = 1; k <= n; k++) balance += 10 * k;
  return { balance, movements: n };
};

/** Machine action `sequenceNr` of `ledger` (the seed holds 1 to 6; tests append 7 to follow it live). */
export const ledgerAction = (sequenceNr: number): PersistentRepr => ({
  persistenceId: 'ledger',
  sequenceNr,
  timestamp: timeOf(sequenceNr),
  event: { type: 'add', payload: { amount: sequenceNr } },
  manifest: 'add',
});

/** The id summaries of the whole seed, in id order (`profile|1`'s write time is the clock's at seeding). */
export const seededIdSummaries = [
  { persistenceId: 'account|1', highestSequenceNr: 10, eventCount: 10, snapshotCount: 2, stateRevision: 0, lastWriteTimestamp: timeOf(10) },
  { persistenceId: 'account|2', highestSequenceNr: 3, eventCount: 3, snapshotCount: 0, stateRevision: 0, lastWriteTimestamp: timeOf(3) },
  { persistenceId: 'ledger', highestSequenceNr: 6, eventCount: 6, snapshotCount: 1, stateRevision: 0, lastWriteTimestamp: timeOf(6) },
  {
    persistenceId: 'profile|1',
    highestSequenceNr: 0,
    eventCount: 0,
    snapshotCount: 0,
    stateRevision: 2,
    lastWriteTimestamp: expect.any(Number) as number,
  },
];

/** Writes the seed; snapshots only when a store is given. */
export async function seed(stores: {
  journal: Journal;
  snapshotStore?: SnapshotStore;
  durableStateStore?: DurableStateStore;
}): Promise<void> {
  const { journal, snapshotStore, durableStateStore } = stores;
  const deposits: PersistentRepr[] = Array.from({ length: 10 }, (_, index) => ({
    persistenceId: 'account|1',
    sequenceNr: index + 1,
    timestamp: timeOf(index + 1),
    event: { type: 'deposited', amount: 10 * (index + 1) },
    tags: ['money'],
    writerId: 'writer-a',
    metadata: { by: 'seed' },
  }));
  const small: PersistentRepr[] = [1, 2, 3].map((sequenceNr) => ({
    persistenceId: 'account|2',
    sequenceNr,
    timestamp: timeOf(sequenceNr),
    event: sequenceNr === 3 ? { type: 'renamed', owner: 'Ada' } : { type: 'deposited', amount: 1 },
  }));
  const actions = Array.from({ length: 6 }, (_, index) => ledgerAction(index + 1));
  const results = await journal.write([
    { persistenceId: 'account|1', events: deposits },
    { persistenceId: 'account|2', events: small },
    { persistenceId: 'ledger', events: actions },
  ]);
  const failed = results.find((result) => result !== undefined);
  if (failed) throw failed;
  if (snapshotStore) {
    for (const at of [5, 10]) {
      await snapshotStore.save(
        new SnapshotMetadata({
          persistenceId: 'account|1',
          sequenceNr: at,
          timestamp: timeOf(at),
          metadata: wrapSnapshotMetadata(1, { note: `every 5 (${at})` }),
        }),
        accountAfter(at),
      );
    }
    await snapshotStore.save(new SnapshotMetadata({ persistenceId: 'ledger', sequenceNr: 3, timestamp: timeOf(3) }), {
      action: { id: '3', sequenceNr: 3, type: 'add', payload: { amount: 3 }, timestamp: timeOf(3) },
      state: { total: 6, entries: 3 },
    });
  }
  if (durableStateStore) {
    await durableStateStore.upsert('profile|1', 1, { name: 'Ada' }, 'people');
    await durableStateStore.upsert('profile|1', 2, { name: 'Ada Lovelace' }, 'people');
  }
}
