/** Rows of an SQLite file edited by hand (deleted, moved, copied) never recover to a wrong state. */
import { afterAll } from 'vitest';
import { sqlTamper } from '../runtime/sql-tamper.js';
import { type Tamper, tamperingSuite } from '../runtime/tampering-suite.js';
import { openStoreSet } from '../support/store-set.js';
import { removeTempDirs, sqliteStoreClasses, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

/** Edits the file through a second connection, as a person with the sqlite3 shell would. */
const tamperWith = (file: string): Tamper =>
  sqlTamper({
    run: async (sql, ...values) => {
      withDatabase(file, (db) => db.prepare(sql).run(...values));
    },
    parameter: () => '?',
    tables: {
      journal: 'journal',
      snapshots: 'snapshots',
      state: 'durable_state',
      highest: { table: 'journal_highest', column: 'highest' },
    },
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
  });

tamperingSuite('sqlite', async () => {
  const file = tempFile('tamper');
  const stores = openStoreSet(sqliteStoreClasses, file);
  return { ...stores, tamper: tamperWith(file) };
});
