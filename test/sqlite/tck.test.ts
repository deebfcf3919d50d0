import { afterAll } from 'vitest';
import { SqliteDurableStateStore, SqliteJournal, SqliteOffsetStore, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import {
  durableStateQueryConformance,
  durableStateStoreConformance,
  journalConformance,
  offsetStoreConformance,
  queryConformance,
  snapshotStoreConformance,
} from '../../src/tck/index.js';
import { largePayloads } from '../support/large-payloads.js';
import { damageSnapshot, removeTempDirs, tempFile, withDatabase } from './helpers.js';

// One file for every test: the kit uses unique persistence ids, and the stores share a connection.
const file = tempFile('tck');
afterAll(removeTempDirs);

journalConformance('sqlite', (context) => new SqliteJournal(file, { ...context, replayPageSize: 100 }), {
  ...largePayloads(),
  // A trigger aborts the insert of that one event, after the events before it in the write were inserted.
  failStoringEvent: async (_journal, persistenceId, sequenceNr) => {
    const quoted = `'${persistenceId.replaceAll("'", "''")}'`;
    withDatabase(file, (db) =>
      db.exec(`CREATE TRIGGER tck_fail_event BEFORE INSERT ON journal
        WHEN NEW.persistence_id = ${quoted} AND NEW.sequence_nr = ${sequenceNr}
        BEGIN SELECT RAISE(ABORT, 'storage failure planted by the conformance kit'); END`),
    );
    return async () => {
      withDatabase(file, (db) => db.exec('DROP TRIGGER tck_fail_event'));
    };
  },
});
snapshotStoreConformance('sqlite', (context) => new SqliteSnapshotStore(file, { ...context, listPageSize: 2 }), {
  ...largePayloads(),
  damageSnapshot: (_store, persistenceId, sequenceNr) => damageSnapshot(file, persistenceId, sequenceNr),
});
durableStateStoreConformance('sqlite', (context) => new SqliteDurableStateStore(file, context), largePayloads());
queryConformance('sqlite', (context) => new SqliteJournal(file, { ...context, replayPageSize: 100 }));
durableStateQueryConformance('sqlite', (context) => new SqliteDurableStateStore(file, context));
offsetStoreConformance('sqlite', (context) => new SqliteOffsetStore(file, context));
