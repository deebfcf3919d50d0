/** The entity suite on memory stores, plus what only the memory stores can show (real byte damage). */
import { describe, expect, it } from 'vitest';
import {
  createPersistence,
  ErrorCodes,
  isMementoError,
  MemoryDurableStateStore,
  MemoryJournal,
  MemorySnapshotStore,
  type Signal,
  SnapshotSelectionCriteria,
} from '../../src/index.js';
import { durableEntitySuite } from './durable-suite.js';
import { entitySuite } from './entity-suite.js';
import { type CounterState, counter } from './support/counter.js';

entitySuite('memory', async () => ({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() }), { propertyRuns: 60 });
durableEntitySuite('memory', async () => ({
  journal: new MemoryJournal(),
  snapshotStore: new MemorySnapshotStore(),
  durableStateStore: new MemoryDurableStateStore(),
}));

function setup(options: Partial<Parameters<typeof createPersistence>[0]> = {}) {
  const journal = new MemoryJournal();
  const snapshotStore = new MemorySnapshotStore();
  const persistence = createPersistence({ journal, snapshotStore, ...options });
  return { journal, snapshotStore, persistence };
}

describe('memory stores', () => {
  it('a snapshot with damaged bytes is skipped by the store and reported as SnapshotSkipped', async () => {
    const { snapshotStore, persistence } = setup();
    const ref = persistence.entity(counter(), 'damaged');
    await ref.ask({ type: 'add', amount: 1 });
    await ref.ask({ type: 'snapshot' });
    await ref.ask({ type: 'add', amount: 2 });
    await ref.ask({ type: 'snapshot' });
    await persistence.idle();
    const bytes = snapshotStore.storedBytes(ref.persistenceId, 2);
    if (!bytes) throw new Error('snapshot 2 not stored');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    const signals: Signal[] = [];
    const again = createPersistence({ journal: persistence.journal, snapshotStore });
    expect(await again.entity(counter({}, signals), 'damaged').ask<CounterState>({ type: 'get' })).toEqual({ value: 3, applied: [1, 2] });
    expect(signals.find((s) => s.type === 'SnapshotSkipped')).toMatchObject({ reason: 'unreadable', metadata: { sequenceNr: 2 } });
    expect(signals.find((s) => s.type === 'RecoveryCompleted')).toMatchObject({ snapshotSequenceNr: 1, replayed: 1 });
    await again.close();
  });

  it('close() closes the journal, snapshot store and durable state store', async () => {
    const durableStateStore = new MemoryDurableStateStore();
    const { journal, snapshotStore, persistence } = setup({ durableStateStore });
    await persistence.entity(counter(), 'closing').ask({ type: 'add', amount: 1 });
    await persistence.close();
    const error = await journal.highestSequenceNr('x').catch((e: unknown) => e);
    expect(isMementoError(error, ErrorCodes.storeClosed)).toBe(true);
    await expect(snapshotStore.load('x', SnapshotSelectionCriteria.Latest)).rejects.toThrow(/closed/);
    await expect(durableStateStore.get('x')).rejects.toThrow(/closed/);
  });

  it('validates createPersistence options', () => {
    const journal = new MemoryJournal();
    const snapshotStore = new MemorySnapshotStore();
    expect(() => createPersistence({ journal: {} as never, snapshotStore })).toThrow(/options.journal: expected a store with write/);
    expect(() => createPersistence({ journal, snapshotStore, stashCapacity: 0 })).toThrow(
      /options.stashCapacity: expected an integer >= 1, found 0/,
    );
    expect(() => createPersistence({ journal, snapshotStore, passivation: { maxEntities: -1 } })).toThrow(/passivation.maxEntities/);
  });
});
