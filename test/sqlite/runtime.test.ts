/** The entity, durable-entity and machine suites on SQLite: the same checks as on memory, not copies. */
import { afterAll } from 'vitest';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { durableEntitySuite } from '../runtime/durable-suite.js';
import { entitySuite } from '../runtime/entity-suite.js';
import { removeTempDirs, tempFile } from './helpers.js';

// One file: every test uses its own entity ids, and the stores share a connection.
const file = tempFile('runtime');
afterAll(removeTempDirs);

const stores = async () => ({
  journal: new SqliteJournal(file, { synchronous: 'NORMAL' }),
  snapshotStore: new SqliteSnapshotStore(file, { synchronous: 'NORMAL' }),
  durableStateStore: new SqliteDurableStateStore(file, { synchronous: 'NORMAL' }),
});

entitySuite('sqlite', stores, { propertyRuns: 25 });
durableEntitySuite('sqlite', stores);
