/** Rows of an SQLite file edited by hand (deleted, moved, copied) never recover to a wrong state. */
import { afterAll } from 'vitest';
import { type Tamper, tamperingSuite } from '../runtime/tampering-suite.js';
import { openStoreSet } from '../support/store-set.js';
import { removeTempDirs, sqliteStoreClasses, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

/** Edits the file through a second connection, as a person with the sqlite3 shell would. */
const tamperWith = (file: string): Tamper => {
  const run = async (sql: string, ...values: unknown[]) => {
    withDatabase(file, (db) => db.prepare(sql).run(...values));
  };
  return {
    deleteEvent: (persistenceId, sequenceNr) =>
      run('DELETE FROM journal WHERE persistence_id = ? AND sequence_nr = ?', persistenceId, sequenceNr),
    setRecordedHighest: (persistenceId, highest) =>
      run('UPDATE journal_highest SET highest = ? WHERE persistence_id = ?', highest, persistenceId),
    copyEventPayload: (from, to) =>
      run(
        `UPDATE journal SET payload = (SELECT payload FROM journal WHERE persistence_id = ? AND sequence_nr = ?)
         WHERE persistence_id = ? AND sequence_nr = ?`,
        from.persistenceId,
        from.sequenceNr,
        to.persistenceId,
        to.sequenceNr,
      ),
    moveSnapshot: (persistenceId, from, to) =>
      run('UPDATE snapshots SET sequence_nr = ? WHERE persistence_id = ? AND sequence_nr = ?', to, persistenceId, from),
    swapSnapshotPayloads: async (persistenceId, a, b) => {
      withDatabase(file, (db) => {
        const read = db.prepare('SELECT payload FROM snapshots WHERE persistence_id = ? AND sequence_nr = ?');
        const write = db.prepare('UPDATE snapshots SET payload = ? WHERE persistence_id = ? AND sequence_nr = ?');
        const first = (read.get(persistenceId, a) as { payload: Buffer }).payload;
        const second = (read.get(persistenceId, b) as { payload: Buffer }).payload;
        write.run(second, persistenceId, a);
        write.run(first, persistenceId, b);
      });
    },
    copySnapshotPayload: (from, to) =>
      run(
        `UPDATE snapshots SET payload = (SELECT payload FROM snapshots WHERE persistence_id = ? AND sequence_nr = ?)
         WHERE persistence_id = ? AND sequence_nr = ?`,
        from.persistenceId,
        from.sequenceNr,
        to.persistenceId,
        to.sequenceNr,
      ),
    copyStatePayload: (fromId, toId) =>
      run(
        'UPDATE durable_state SET payload = (SELECT payload FROM durable_state WHERE persistence_id = ?) WHERE persistence_id = ?',
        fromId,
        toId,
      ),
    setStateRevision: (persistenceId, revision) =>
      run('UPDATE durable_state SET revision = ? WHERE persistence_id = ?', revision, persistenceId),
  };
};

tamperingSuite('sqlite', async () => {
  const file = tempFile('tamper');
  const stores = openStoreSet(sqliteStoreClasses, file);
  return { ...stores, tamper: tamperWith(file) };
});
