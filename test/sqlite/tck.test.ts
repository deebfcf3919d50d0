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

journalConformance('sqlite', () => new SqliteJournal(file, { replayPageSize: 100 }));
snapshotStoreConformance('sqlite', () => new SqliteSnapshotStore(file, { listPageSize: 2 }), {
  damageSnapshot: (_store, persistenceId, sequenceNr) => damageSnapshot(file, persistenceId, sequenceNr),
});
durableStateStoreConformance('sqlite', () => new SqliteDurableStateStore(file));
queryConformance('sqlite', () => new SqliteJournal(file, { replayPageSize: 100 }));
durableStateQueryConformance('sqlite', () => new SqliteDurableStateStore(file));
