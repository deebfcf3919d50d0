/**
 * The conformance suites against PostgreSQL, all stores sharing one schema (the kit uses
 * a unique persistence id per test).
 */

import { PostgresDurableStateStore, PostgresJournal, PostgresOffsetStore, PostgresSnapshotStore } from '../../src/postgres/index.js';
import {
  durableStateQueryConformance,
  durableStateStoreConformance,
  journalConformance,
  offsetStoreConformance,
  queryConformance,
  snapshotStoreConformance,
} from '../../src/tck/index.js';
import { largePayloads } from '../support/large-payloads.js';
import { plantEventFailure, useSchema } from './support.js';

const pg = useSchema('tck');

journalConformance('postgres', (context) => new PostgresJournal({ ...context, pool: pg.pool, schema: pg.schema }), {
  ...largePayloads(),
  failStoringEvent: (_journal, persistenceId, sequenceNr) => plantEventFailure(pg.pool, pg.schema, persistenceId, sequenceNr),
});

snapshotStoreConformance('postgres', (context) => new PostgresSnapshotStore({ ...context, pool: pg.pool, schema: pg.schema }), {
  ...largePayloads(),
  damageSnapshot: async (_store, persistenceId, sequenceNr) => {
    const result = await pg.pool.query(
      `UPDATE "${pg.schema}".memento_snapshots
       SET payload = set_byte(payload, length(payload) / 2, get_byte(payload, length(payload) / 2) # 255)
       WHERE persistence_id = $1 AND sequence_nr = $2`,
      [persistenceId, sequenceNr],
    );
    if (result.rowCount !== 1) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
  },
});

durableStateStoreConformance(
  'postgres',
  (context) => new PostgresDurableStateStore({ ...context, pool: pg.pool, schema: pg.schema }),
  largePayloads(),
);

queryConformance('postgres', (context) => new PostgresJournal({ ...context, pool: pg.pool, schema: pg.schema }));
durableStateQueryConformance('postgres', (context) => new PostgresDurableStateStore({ ...context, pool: pg.pool, schema: pg.schema }));
offsetStoreConformance('postgres', (context) => new PostgresOffsetStore({ ...context, pool: pg.pool, schema: pg.schema }));
