/** Rows of a PostgreSQL schema edited by hand (deleted, moved, copied) never recover to a wrong state. */
import { tableNames } from '../../src/postgres/index.js';
import { type Tamper, tamperingSuite } from '../runtime/tampering-suite.js';
import { openStoreSet } from '../support/store-set.js';
import { type PgContext, postgresStoreClasses, useSchema } from './support.js';

const pg = useSchema('tamper');

/** Edits the tables with plain SQL, as a person at a psql prompt would. */
const tamperWith = (context: PgContext): Tamper => {
  const t = tableNames(context.schema);
  const run = async (sql: string, ...values: unknown[]) => {
    await context.pool.query(sql, values);
  };
  return {
    deleteEvent: (persistenceId, sequenceNr) =>
      run(`DELETE FROM ${t.journal} WHERE persistence_id = $1 AND sequence_nr = $2`, persistenceId, sequenceNr),
    setRecordedHighest: (persistenceId, highest) =>
      run(`UPDATE ${t.streams} SET highest_sequence_nr = $1 WHERE persistence_id = $2`, highest, persistenceId),
    copyEventPayload: (from, to) =>
      run(
        `UPDATE ${t.journal} SET payload = (SELECT payload FROM ${t.journal} WHERE persistence_id = $1 AND sequence_nr = $2)
         WHERE persistence_id = $3 AND sequence_nr = $4`,
        from.persistenceId,
        from.sequenceNr,
        to.persistenceId,
        to.sequenceNr,
      ),
    moveSnapshot: (persistenceId, from, to) =>
      run(`UPDATE ${t.snapshots} SET sequence_nr = $1 WHERE persistence_id = $2 AND sequence_nr = $3`, to, persistenceId, from),
    swapSnapshotPayloads: (persistenceId, a, b) =>
      run(
        `UPDATE ${t.snapshots} s SET payload = o.payload FROM ${t.snapshots} o
         WHERE s.persistence_id = $1 AND o.persistence_id = $1
           AND ((s.sequence_nr = $2 AND o.sequence_nr = $3) OR (s.sequence_nr = $3 AND o.sequence_nr = $2))`,
        persistenceId,
        a,
        b,
      ),
    copySnapshotPayload: (from, to) =>
      run(
        `UPDATE ${t.snapshots} SET payload = (SELECT payload FROM ${t.snapshots} WHERE persistence_id = $1 AND sequence_nr = $2)
         WHERE persistence_id = $3 AND sequence_nr = $4`,
        from.persistenceId,
        from.sequenceNr,
        to.persistenceId,
        to.sequenceNr,
      ),
    copyStatePayload: (fromId, toId) =>
      run(
        `UPDATE ${t.state} SET payload = (SELECT payload FROM ${t.state} WHERE persistence_id = $1) WHERE persistence_id = $2`,
        fromId,
        toId,
      ),
    setStateRevision: (persistenceId, revision) =>
      run(`UPDATE ${t.state} SET revision = $1 WHERE persistence_id = $2`, revision, persistenceId),
  };
};

tamperingSuite('postgres', async () => {
  const stores = openStoreSet(postgresStoreClasses, { pool: pg.pool, schema: pg.schema });
  return { ...stores, tamper: tamperWith(pg) };
});
