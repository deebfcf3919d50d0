/** Values persisted in PostgreSQL read back exactly, or are refused with nothing stored. */
import { PostgresDurableStateStore, PostgresJournal, PostgresSnapshotStore } from '../../src/postgres/index.js';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';
import { useSchema } from './support.js';

const pg = useSchema('round_trip');

storeRoundTripSuite(
  'postgres',
  async () => {
    const options = { pool: pg.pool, schema: pg.schema };
    const stores = {
      journal: new PostgresJournal(options),
      snapshotStore: new PostgresSnapshotStore(options),
      durableStateStore: new PostgresDurableStateStore(options),
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
  30,
);
