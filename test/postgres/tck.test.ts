/**
 * The conformance suites against PostgreSQL, all stores sharing one schema (the kit uses
 * a unique persistence id per test), with statements unnamed (the default) and as named
 * prepared statements (`preparedStatements: true`).
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

for (const [label, options] of [
  ['postgres', {}],
  ['postgres, prepared statements', { preparedStatements: true }],
] as const) {
  journalConformance(label, (context) => new PostgresJournal({ ...context, ...options, pool: pg.pool, schema: pg.schema }), {
    ...largePayloads(),
    failStoringEvent: (_journal, persistenceId, sequenceNr) => plantEventFailure(pg.pool, pg.schema, persistenceId, sequenceNr),
  });

  snapshotStoreConformance(label, (context) => new PostgresSnapshotStore({ ...context, ...options, pool: pg.pool, schema: pg.schema }), {
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
    label,
    (context) => new PostgresDurableStateStore({ ...context, ...options, pool: pg.pool, schema: pg.schema }),
    largePayloads(),
  );

  queryConformance(label, (context) => new PostgresJournal({ ...context, ...options, pool: pg.pool, schema: pg.schema }));
  durableStateQueryConformance(
    label,
    (context) => new PostgresDurableStateStore({ ...context, ...options, pool: pg.pool, schema: pg.schema }),
  );
  offsetStoreConformance(label, (context) => new PostgresOffsetStore({ ...context, ...options, pool: pg.pool, schema: pg.schema }));
}
