/** Rows of a PostgreSQL schema edited by hand (deleted, moved, copied) never recover to a wrong state. */
import { tableNames } from '../../src/postgres/index.js';
import { sqlTamper } from '../runtime/sql-tamper.js';
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
  return sqlTamper({
    run,
    parameter: (index) => `$${index}`,
    tables: { journal: t.journal, snapshots: t.snapshots, state: t.state, highest: { table: t.streams, column: 'highest_sequence_nr' } },
    swapSnapshotPayloads: (persistenceId, a, b) =>
      run(
        `UPDATE ${t.snapshots} s SET payload = o.payload FROM ${t.snapshots} o
         WHERE s.persistence_id = $1 AND o.persistence_id = $1
           AND ((s.sequence_nr = $2 AND o.sequence_nr = $3) OR (s.sequence_nr = $3 AND o.sequence_nr = $2))`,
        persistenceId,
        a,
        b,
      ),
  });
};

tamperingSuite('postgres', async () => {
  const stores = openStoreSet(postgresStoreClasses, { pool: pg.pool, schema: pg.schema });
  return { ...stores, tamper: tamperWith(pg) };
});
