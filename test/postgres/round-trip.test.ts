/** Values persisted in PostgreSQL read back exactly, or are refused with nothing stored. */
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';
import { openStoreSet } from '../support/store-set.js';
import { postgresStoreClasses, useSchema } from './support.js';

const pg = useSchema('round_trip');

storeRoundTripSuite(
  'postgres',
  async () => openStoreSet(postgresStoreClasses, { pool: pg.pool, schema: pg.schema }),
  ['events', 'snapshots', 'state', 'entity'],
  30,
);
