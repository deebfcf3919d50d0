/** Values persisted in an SQLite file read back exactly, or are refused with nothing stored. */
import { afterAll } from 'vitest';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';
import { openStoreSet } from '../support/store-set.js';
import { removeTempDirs, sqliteStoreClasses, tempFile } from './helpers.js';

afterAll(removeTempDirs);

storeRoundTripSuite(
  'sqlite',
  async () => openStoreSet(sqliteStoreClasses, tempFile('round-trip')),
  ['events', 'snapshots', 'state', 'entity'],
  50,
);
