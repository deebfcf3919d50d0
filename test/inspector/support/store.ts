/**
 * A real SQLite store for the inspector's tests: counters with events, snapshots every
 * few events, and an Inspection over it.
 * @module
 */
import { join } from 'node:path';
import { defineEntity, Effect, SnapshotMetadata } from '../../../src/index.js';
import { createInspection, type Inspection, ObservedSerialization } from '../../../src/inspect/index.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../../src/sqlite/index.js';
import { tempDir } from '../../sqlite/helpers.js';

/** A counter's state. */
export interface CounterState {
  readonly count: number;
  readonly items: Readonly<Record<string, number>>;
  readonly last: string | null;
}

/** A counter's event. */
export interface Added {
  readonly type: 'added';
  readonly key: string;
  readonly amount: number;
}

export const initialCounter: CounterState = { count: 0, items: {}, last: null };

/** The counter's fold. */
export function applyAdded(state: CounterState, event: Added): CounterState {
  return {
    count: state.count + event.amount,
    items: { ...state.items, [event.key]: (state.items[event.key] ?? 0) + event.amount },
    last: event.key,
  };
}

/** The counter entity: persistence ids `counter|<id>`. */
export const CounterEntity = defineEntity<CounterState, Added, Added>({
  name: 'counter',
  emptyState: initialCounter,
  commandHandler: (_state, command) => Effect.persist(command),
  eventHandler: applyAdded,
});

/** The n-th event of every counter in these tests. */
export const addedEvent = (n: number): Added => ({ type: 'added', key: `k${n % 7}`, amount: (n % 5) + 1 });

/** Event n was persisted at this time (one second apart). */
export const timeOfEvent = (n: number) => Date.UTC(2026, 0, 1) + n * 1000;

/** The store file, its writers and an Inspection over it. */
export interface TestStore {
  readonly file: string;
  readonly journal: SqliteJournal;
  readonly snapshotStore: SqliteSnapshotStore;
  readonly inspection: Inspection;
  /** Appends events n..n+count-1 of `id`, snapshotting every `snapshotEvery`. */
  append(id: string, from: number, count: number, snapshotEvery?: number): Promise<void>;
  close(): Promise<void>;
}

/** Creates a store in a temp dir. */
export async function createTestStore(): Promise<TestStore> {
  const file = join(tempDir(), 'inspector.db');
  const journal = new SqliteJournal(file);
  const snapshotStore = new SqliteSnapshotStore(file);
  const states = new Map<string, CounterState>();
  // The inspector reads through its own stores, as `memento serve` would: the test writes through the ones above.
  const serialization = new ObservedSerialization();
  const inspectedJournal = new SqliteJournal(file);
  const inspectedSnapshots = new SqliteSnapshotStore(file, { serialization });
  const inspection = createInspection({
    journal: inspectedJournal,
    snapshotStore: inspectedSnapshots,
    definitions: [CounterEntity],
    serialization,
    closeStores: true,
  });
  const append = async (id: string, from: number, count: number, snapshotEvery = 0) => {
    let state = states.get(id) ?? initialCounter;
    const events = [];
    for (let n = from; n < from + count; n++) {
      events.push({
        persistenceId: id,
        sequenceNr: n,
        timestamp: timeOfEvent(n),
        event: addedEvent(n),
        tags: n % 10 === 0 ? ['tenth'] : undefined,
      });
    }
    for (let start = 0; start < events.length; start += 10_000) {
      const results = await journal.write([{ persistenceId: id, events: events.slice(start, start + 10_000) }]);
      if (results[0]) throw results[0];
    }
    for (const event of events) {
      state = applyAdded(state, event.event);
      if (snapshotEvery > 0 && event.sequenceNr % snapshotEvery === 0) {
        await snapshotStore.save(
          new SnapshotMetadata({ persistenceId: id, sequenceNr: event.sequenceNr, timestamp: event.timestamp }),
          state,
        );
      }
    }
    states.set(id, state);
  };
  return {
    file,
    journal,
    snapshotStore,
    inspection,
    append,
    close: async () => {
      await inspection.close();
      await snapshotStore.close();
      await journal.close();
    },
  };
}
