/**
 * PostgreSQL behind PgBouncer in transaction pooling, started by the test on a free
 * loopback port: the conformance suites, the entity suite and live queries run through it,
 * with notifications (the journal's and the durable state store's) LISTENed on a direct
 * connection (`listen: { connectionString }`); a
 * journal LISTENing through the pooler warns that notifications do not arrive.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistenceHooks } from '../../src/observability/hooks.js';
import type { Logger } from '../../src/observability/logger.js';
import {
  migrate,
  PostgresDurableStateStore,
  PostgresJournal,
  PostgresOffsetStore,
  PostgresSnapshotStore,
} from '../../src/postgres/index.js';
import { createReadJournal } from '../../src/query/index.js';
import {
  atomicWrite,
  durableStateQueryConformance,
  durableStateStoreConformance,
  journalConformance,
  offsetStoreConformance,
  queryConformance,
  snapshotStoreConformance,
} from '../../src/tck/index.js';
import { entitySuite } from '../runtime/entity-suite.js';
import { largePayloads } from '../support/large-payloads.js';
import { type Bouncer, startPgBouncer } from './servers.js';
import { connect, PG_URL, plantEventFailure, randomSchema } from './support.js';

let bouncer: Bouncer | undefined;
let bounced: pg.Pool | undefined;
let failure: unknown;
const schema = randomSchema('pg_bouncer');

beforeAll(async () => {
  try {
    await (await connect(1)).end(); // fails with how to start PostgreSQL
    bouncer = await startPgBouncer(PG_URL, 'transaction');
    bounced = new pg.Pool({ connectionString: bouncer.url, max: 10 });
    bounced.on('error', () => {});
    await migrate({ pool: bounced, schema });
  } catch (error) {
    failure = error;
  }
}, 30_000);

afterAll(async () => {
  if (bounced) {
    await bounced.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await bounced.end();
  }
  await bouncer?.stop();
});

/** The pool through PgBouncer; throws why it is missing (never skips). */
const pool = (): pg.Pool => {
  if (!bounced) throw failure ?? new Error('PgBouncer did not start');
  return bounced;
};

/** A journal writing through PgBouncer and LISTENing on a direct connection. */
const journal = (options: { logger?: Logger; notifyChannel?: string; hooks?: PersistenceHooks } = {}) =>
  new PostgresJournal({ pool: pool(), schema, listen: { connectionString: PG_URL }, ...options });

/** A durable state store writing through PgBouncer and LISTENing on a direct connection. */
const stateStore = (options: { logger?: Logger; hooks?: PersistenceHooks } = {}) =>
  new PostgresDurableStateStore({ pool: pool(), schema, listen: { connectionString: PG_URL }, ...options });

journalConformance('postgres via pgbouncer', (context) => journal(context), {
  ...largePayloads(),
  failStoringEvent: (_journal, persistenceId, sequenceNr) => plantEventFailure(pool(), schema, persistenceId, sequenceNr),
});
snapshotStoreConformance('postgres via pgbouncer', (context) => new PostgresSnapshotStore({ ...context, pool: pool(), schema }), {
  ...largePayloads(),
  damageSnapshot: async (_store, persistenceId, sequenceNr) => {
    const result = await pool().query(
      `UPDATE "${schema}".memento_snapshots
       SET payload = set_byte(payload, length(payload) / 2, get_byte(payload, length(payload) / 2) # 255)
       WHERE persistence_id = $1 AND sequence_nr = $2`,
      [persistenceId, sequenceNr],
    );
    if (result.rowCount !== 1) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
  },
});
durableStateStoreConformance('postgres via pgbouncer', (context) => stateStore(context), largePayloads());
queryConformance('postgres via pgbouncer', (context) => journal(context));
durableStateQueryConformance('postgres via pgbouncer', (context) => stateStore(context));
offsetStoreConformance('postgres via pgbouncer', (context) => new PostgresOffsetStore({ ...context, pool: pool(), schema }));
entitySuite(
  'postgres via pgbouncer',
  async () => ({
    journal: journal(),
    snapshotStore: new PostgresSnapshotStore({ pool: pool(), schema }),
    durableStateStore: stateStore(),
  }),
  { propertyRuns: 5 },
);

describe('postgres live queries via pgbouncer', () => {
  it('are woken by notifications on the direct LISTEN connection while writes go through the pooler', async () => {
    const store = journal({ notifyChannel: `pg_bouncer_${randomUUID().slice(0, 8)}` });
    // Polling waits a minute: only a notification can deliver the events in time.
    const queries = createReadJournal(store, { minPollMs: 60_000, maxPollMs: 60_000 });
    const tag = `bounced-${randomUUID()}`;
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const envelope of queries.eventsByTag(tag, { type: 'none' }, { live: true, signal: controller.signal })) {
        seen.push(envelope.persistenceId);
        if (seen.length === 3) return;
      }
    })();
    try {
      // The first (empty) read happens before the query waits; LISTEN is in place once listening.
      while (!store.listening) await new Promise((resolve) => setImmediate(resolve));
      for (let nr = 1; nr <= 3; nr++) {
        const write = atomicWrite(`${tag}-${nr}`, 1);
        await store.write([{ ...write, events: write.events.map((event) => ({ ...event, tags: [tag] })) }]);
      }
      await reading;
      expect(seen).toEqual([1, 2, 3].map((nr) => `${tag}-${nr}`));
    } finally {
      controller.abort();
      await store.close();
    }
  }, 30_000);

  it('warns that notifications do not arrive when LISTEN goes through the pooler', async () => {
    const warnings: string[] = [];
    let warned!: () => void;
    const arrived = new Promise<void>((resolve) => {
      warned = resolve;
    });
    const ignore = () => {};
    const logger: Logger = {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (message) => {
        warnings.push(message);
        if (/did not arrive/.test(message)) warned();
      },
    };
    const url = (bouncer as Bouncer | undefined)?.url;
    if (!url) throw failure ?? new Error('PgBouncer did not start');
    const store = new PostgresJournal({ connectionString: url, schema, logger, listen: { probeTimeoutMs: 500 } });
    const subscription = await store.subscribe(() => {});
    try {
      await arrived;
      expect(warnings.find((message) => /did not arrive/.test(message))).toContain('Behind PgBouncer');
    } finally {
      await subscription.close();
      await store.close();
    }
  }, 30_000);
});
