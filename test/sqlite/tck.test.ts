import { afterAll } from 'vitest';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import {
  durableStateQueryConformance,
  durableStateStoreConformance,
  journalConformance,
  queryConformance,
  snapshotStoreConformance,
} from '../../src/tck/index.js';
import { damageSnapshot, removeTempDirs, tempFile } from './helpers.js';

// One file for every test: the kit uses unique persistence ids, and the stores share a connection.
const file = tempFile('tck');
afterAll(removeTempDirs);

journalConformance('sqlite', (context) => new SqliteJournal(file, { ...context, replayPageSize: 100 }));
snapshotStoreConformance('sqlite', (context) => new SqliteSnapshotStore(file, { ...context, listPageSize: 2 }), {
  damageSnapshot: (_store, persistenceId, sequenceNr) => damageSnapshot(file, persistenceId, sequenceNr),
});
durableStateStoreConformance('sqlite', (context) => new SqliteDurableStateStore(file, context));
queryConformance('sqlite', (context) => new SqliteJournal(file, { ...context, replayPageSize: 100 }));
durableStateQueryConformance('sqlite', (context) => new SqliteDurableStateStore(file, context));
