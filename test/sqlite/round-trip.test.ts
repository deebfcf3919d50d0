/** Values persisted in an SQLite file read back exactly, or are refused with nothing stored. */
import { afterAll } from 'vitest';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';
import { removeTempDirs, tempFile } from './helpers.js';

afterAll(removeTempDirs);

storeRoundTripSuite(
  'sqlite',
  async () => {
    const file = tempFile('round-trip');
    const stores = {
      journal: new SqliteJournal(file),
      snapshotStore: new SqliteSnapshotStore(file),
      durableStateStore: new SqliteDurableStateStore(file),
    };
    return {
      ...stores,
      close: async () => {
        await stores.journal.close();
        await stores.snapshotStore.close();
        await stores.durableStateStore.close();
      },
    };
  },
  ['events', 'snapshots', 'state', 'entity'],
  50,
);
