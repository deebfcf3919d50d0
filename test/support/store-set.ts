/**
 * A backend's journal, snapshot store and durable state store opened on one place (an SQLite
 * file, a PostgreSQL schema, a DynamoDB table) and closed together: the setup the round-trip,
 * tampering and CLI tests share.
 */
import type { DurableStateStore, Journal, SnapshotStore } from '../../src/index.js';

/** The three stores of one backend on one place. */
export interface StoreSet {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly durableStateStore: DurableStateStore;
  /** Closes the three stores; what they were given (a pool, a client) stays open. */
  close(): Promise<void>;
}

/** A backend's store classes, each built from the same place. */
export interface StoreClasses<Place> {
  readonly Journal: new (place: Place) => Journal;
  readonly SnapshotStore: new (place: Place) => SnapshotStore;
  readonly DurableStateStore: new (place: Place) => DurableStateStore;
}

/** Opens the three stores of `classes` on `place`. */
export function openStoreSet<Place>(classes: StoreClasses<Place>, place: Place): StoreSet {
  const journal = new classes.Journal(place);
  const snapshotStore = new classes.SnapshotStore(place);
  const durableStateStore = new classes.DurableStateStore(place);
  return {
    journal,
    snapshotStore,
    durableStateStore,
    close: async () => {
      await journal.close();
      await snapshotStore.close();
      await durableStateStore.close();
    },
  };
}
