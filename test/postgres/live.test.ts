/**
 * Live queries on PostgreSQL: one shared LISTEN connection per journal outside the pool,
 * reconnection after the backend is killed, listener errors reported, the start-up probe,
 * abort() ending streams promptly even on a pool of one connection, and the durable state
 * store's live changes on their own channel. The tests about the pool run twice: directly,
 * and with the pool through a PgBouncer in transaction pooling started on a free loopback
 * port, LISTEN on a direct connection (`listen: { connectionString }`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/observability/logger.js';
import { PostgresDurableStateStore, PostgresJournal } from '../../src/postgres/index.js';
import { createDurableStateQueries, createReadJournal } from '../../src/query/index.js';
import type { EventEnvelope } from '../../src/spi/read-journal.js';
import { atomicWrite } from '../../src/tck/index.js';
import { type Bouncer, startPgBouncer } from './servers.js';
import { connect, eventually, PG_URL, spyPool, useSchema } from './support.js';

const db = useSchema('pg_live');
const channel = () => `pg_live_${randomBytes(5).toString('hex')}`;

let bouncer: Bouncer | undefined;
let bouncerFailure: unknown;

beforeAll(async () => {
  try {
    bouncer = await startPgBouncer(PG_URL, 'transaction');
  } catch (error) {
    bouncerFailure = error;
  }
}, 30_000);

afterAll(async () => {
  await bouncer?.stop();
});

/** A pool of `max` connections through the PgBouncer; throws why it is missing (never skips). */
async function bouncedPool(max: number): Promise<pg.Pool> {
  if (!bouncer) throw bouncerFailure ?? new Error('PgBouncer did not start');
  const pool = new pg.Pool({ connectionString: bouncer.url, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  return pool;
}

/** How the stores reach the server: the pool and where LISTEN goes. */
interface Route {
  readonly name: string;
  pool(max: number): Promise<pg.Pool>;
  /** The stores' `listen` option: a direct connection behind PgBouncer, the pool's settings otherwise. */
  readonly listen?: { readonly connectionString: string };
}

const routes: readonly Route[] = [
  { name: 'directly', pool: connect },
  { name: 'through PgBouncer in transaction pooling', pool: bouncedPool, listen: { connectionString: PG_URL } },
];

/** A logger keeping every line, with a way to wait for one. */
function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const waiters: { match: RegExp; resolve: () => void }[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
    for (const waiter of [...waiters]) if (waiter.match.test(`${level} ${message}`)) waiter.resolve();
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const waitFor = (match: RegExp) =>
    lines.some((line) => match.test(`${line.level} ${line.message}`))
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ match, resolve }));
  return { logger, lines, waitFor };
}

/** Backends LISTENing on `name` (the LISTEN statement stays their last query). */
const listeners = async (name: string): Promise<number[]> =>
  (await db.pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${name}"`])).rows.map(
    (row) => row.pid,
  );

/** Waits for the next append notification delivered to `journal`'s subscribers. */
async function nextNotification(journal: PostgresJournal): Promise<{ close(): Promise<void>; arrived: Promise<number> }> {
  let resolve!: (ordering: number) => void;
  const arrived = new Promise<number>((done) => {
    resolve = done;
  });
  const subscription = await journal.subscribe((notification) => resolve(notification.ordering));
  return { close: () => subscription.close(), arrived };
}

for (const route of routes) {
  describe(`postgres live queries on a small pool, ${route.name}`, () => {
    it('share one LISTEN connection outside a pool of one, and writes keep flowing', async () => {
      const pool = await route.pool(1);
      const name = channel();
      const journal = new PostgresJournal({ pool, schema: db.schema, notifyChannel: name, listen: route.listen });
      // Polling waits a minute: only notifications deliver the events in time.
      const queries = createReadJournal(journal, { minPollMs: 60_000, maxPollMs: 60_000 });
      const tag = `live-${randomUUID()}`;
      const controllers = [new AbortController(), new AbortController(), new AbortController()];
      const received = controllers.map(() => [] as EventEnvelope[]);
      const wanted = 4;
      const runs = controllers.map(async (controller, index) => {
        for await (const envelope of queries.eventsByTag(tag, { type: 'none' }, { live: true, signal: controller.signal })) {
          received[index]?.push(envelope);
          if (received[index]?.length === wanted) return;
        }
      });
      try {
        await eventually(async () => journal.listening);
        expect(await listeners(name)).toHaveLength(1);
        // Every write goes through the pool's only connection while three live queries run.
        for (let nr = 1; nr <= wanted; nr++) {
          const pid = `${tag}-${nr}`;
          const write = atomicWrite(pid, 1);
          const tagged = { ...write, events: write.events.map((event) => ({ ...event, tags: [tag] })) };
          expect(await journal.write([tagged])).toEqual([undefined]);
        }
        await Promise.all(runs);
        for (const list of received)
          expect(list.map((envelope) => envelope.persistenceId)).toEqual([1, 2, 3, 4].map((nr) => `${tag}-${nr}`));
      } finally {
        for (const controller of controllers) controller.abort();
        await journal.close();
        await pool.end();
      }
    });

    it('ends every live stream promptly on abort(), also while the pool is exhausted', async () => {
      const pool = await route.pool(1);
      const journal = new PostgresJournal({ pool, schema: db.schema, notifyChannel: channel(), listen: route.listen });
      const queries = createReadJournal(journal, { maxPollMs: 60_000 });
      const state = new PostgresDurableStateStore({ pool, schema: db.schema, listen: route.listen });
      const stateQueries = createDurableStateQueries(state);
      const held = await pool.connect(); // the only connection: page reads wait for it
      const streams = [
        (signal: AbortSignal) => queries.eventsByTag('never', { type: 'none' }, { live: true, signal }),
        (signal: AbortSignal) => queries.eventsByTag('never', { type: 'none' }, { live: true, signal }),
        (signal: AbortSignal) => queries.eventsByPersistenceId(`never-${randomUUID()}`, 1, Number.MAX_SAFE_INTEGER, { live: true, signal }),
        (signal: AbortSignal) => queries.persistenceIds({ live: true, signal }),
        (signal: AbortSignal) => stateQueries.changesByTag('never', { type: 'none' }, { live: true, signal }),
      ];
      const controllers = streams.map(() => new AbortController());
      const ended = streams.map(async (open, index) => {
        for await (const _ of open((controllers[index] as AbortController).signal)) {
          // nothing arrives: every read waits for the pool's only connection
        }
        return 'ended';
      });
      try {
        for (const controller of controllers) controller.abort();
        // Every stream is blocked on the pool's only connection, still held.
        expect(await Promise.all(ended)).toEqual(streams.map(() => 'ended'));
      } finally {
        held.release();
        await state.close();
        await journal.close();
        await pool.end();
      }
    });

    it('ends every live stream promptly on abort() while it waits for a notification', async () => {
      const pool = await route.pool(1);
      const journal = new PostgresJournal({ pool, schema: db.schema, notifyChannel: channel(), listen: route.listen });
      const state = new PostgresDurableStateStore({ pool, schema: db.schema, notifyChannel: channel(), listen: route.listen });
      // Polls would come only after an hour: an idle stream waits on its subscription.
      const poll = { minPollMs: 3_600_000, maxPollMs: 3_600_000 };
      const queries = createReadJournal(journal, poll);
      const stateQueries = createDurableStateQueries(state, poll);
      const controller = new AbortController();
      const { signal } = controller;
      const streams = [
        queries.eventsByTag(`idle-${randomUUID()}`, { type: 'none' }, { live: true, signal }),
        queries.eventsByPersistenceId(`idle-${randomUUID()}`, 1, Number.MAX_SAFE_INTEGER, { live: true, signal }),
        stateQueries.changesByTag(`idle-${randomUUID()}`, { type: 'none' }, { live: true, signal }),
      ];
      const ended = streams.map(async (stream) => {
        for await (const _ of stream) {
          // nothing arrives: the tags and the id are new
        }
        return 'ended';
      });
      try {
        await eventually(async () => journal.listening && state.listening);
        controller.abort();
        expect(await Promise.all(ended)).toEqual(streams.map(() => 'ended'));
      } finally {
        await state.close();
        await journal.close();
        await pool.end();
      }
    });

    it('reconnects and LISTENs again after its backend is terminated, and says so', async () => {
      const { logger, waitFor } = recordingLogger();
      const name = channel();
      const pool = await route.pool(4);
      const journal = new PostgresJournal({ pool, schema: db.schema, notifyChannel: name, logger, listen: route.listen });
      const first = await nextNotification(journal);
      try {
        const [before] = await listeners(name);
        expect(before, 'a LISTEN backend').toBeTypeOf('number');
        await db.pool.query('SELECT pg_terminate_backend($1)', [before]);
        await waitFor(/warn .*connection lost; reconnecting/);
        await waitFor(/info .*LISTEN .* restored/);
        const after = await listeners(name);
        expect(after).toHaveLength(1);
        expect(after[0]).not.toBe(before);
        // Notifications flow again: a write is announced on the new connection.
        const second = await nextNotification(journal);
        await journal.write([atomicWrite(`reconnect-${randomUUID()}`, 1)]);
        expect(await second.arrived).toBeGreaterThan(0);
        await second.close();
      } finally {
        await first.close();
        await journal.close();
        await pool.end();
      }
    });

    it('wake durable state changesByTag on their own channel, sharing one LISTEN connection outside a pool of one', async () => {
      const pool = await route.pool(1);
      const name = channel();
      const state = new PostgresDurableStateStore({ pool, schema: db.schema, notifyChannel: name, listen: route.listen });
      // Polling waits a minute: only notifications deliver the changes in time.
      const queries = createDurableStateQueries(state, { minPollMs: 60_000, maxPollMs: 60_000 });
      const tag = `live-state-${randomUUID()}`;
      const controllers = [new AbortController(), new AbortController()];
      const received = controllers.map(() => [] as string[]);
      const runs = controllers.map(async (controller, index) => {
        for await (const change of queries.changesByTag(tag, { type: 'none' }, { live: true, signal: controller.signal })) {
          received[index]?.push(`${change.persistenceId}@${change.revision}`);
          if (received[index]?.length === 3) return;
        }
      });
      try {
        await eventually(async () => state.listening);
        expect(await listeners(name)).toHaveLength(1);
        // Every change goes through the pool's only connection while both live queries run.
        await state.upsert(`${tag}-a`, 1, 'a1', tag);
        await eventually(async () => received.every((list) => list.length === 1));
        await state.upsert(`${tag}-b`, 1, 'b1', tag);
        await eventually(async () => received.every((list) => list.length === 2));
        await state.delete(`${tag}-a`, 2);
        await Promise.all(runs);
        for (const list of received) expect(list).toEqual([`${tag}-a@1`, `${tag}-b@1`, `${tag}-a@2`]);
      } finally {
        for (const controller of controllers) controller.abort();
        await state.close();
        await pool.end();
      }
    });
  });
}

describe('postgres live queries', () => {
  it('closes at once while its LISTEN connection still waits for a pool connection, and gives that connection up once it comes', async () => {
    // A pool that only lends connections (no pg.Pool settings to open one beside it): LISTEN
    // takes one of its connections, and this pool has one, held here. Waiting for a
    // connection never times out in it, as in a pg.Pool built without connectionTimeoutMillis.
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    const journal = new PostgresJournal({ pool: spyPool(pool, []), schema: db.schema, notifyChannel: channel() });
    const queries = createReadJournal(journal, { maxPollMs: 60_000 });
    const held = await pool.connect();
    let released = false;
    const controller = new AbortController();
    const ended = (async () => {
      for await (const _ of queries.eventsByTag('never', { type: 'none' }, { live: true, signal: controller.signal })) {
        // nothing arrives: the page read and the LISTEN connection both wait for the held connection
      }
    })();
    try {
      await eventually(async () => pool.waitingCount === 2);
      controller.abort();
      await ended;
      // Nothing releases the held connection before close() returns.
      await journal.close();
      held.release();
      released = true;
      // The connection LISTEN was waiting for goes back to the pool instead of listening.
      await eventually(async () => pool.waitingCount === 0 && pool.idleCount === 1);
      expect(journal.listening).toBe(false);
    } finally {
      if (!released) held.release();
      await pool.end();
    }
  });

  it('reports an exception thrown by a listener to the logger and keeps delivering', async () => {
    const { logger, waitFor } = recordingLogger();
    const journal = new PostgresJournal({ connectionString: PG_URL, schema: db.schema, notifyChannel: channel(), logger });
    const throwing = await journal.subscribe(() => {
      throw new Error('listener bug');
    });
    const healthy = await nextNotification(journal);
    try {
      await journal.write([atomicWrite(`throws-${randomUUID()}`, 1)]);
      await waitFor(/error .*an append listener threw/);
      expect(await healthy.arrived).toBeGreaterThan(0);
    } finally {
      await throwing.close();
      await healthy.close();
      await journal.close();
    }
  });

  it('warns through the logger when its own test notification does not arrive', async () => {
    // LISTEN in another database than the writes: like a pooler in transaction mode, the
    // notifications never reach the listening session, and nothing fails.
    const { logger, waitFor, lines } = recordingLogger();
    const elsewhere = new URL(PG_URL);
    elsewhere.pathname = '/postgres';
    const journal = new PostgresJournal({
      connectionString: PG_URL,
      schema: db.schema,
      notifyChannel: channel(),
      logger,
      listen: { connectionString: elsewhere.toString(), probeTimeoutMs: 300 },
    });
    const subscription = await journal.subscribe(() => {});
    try {
      await waitFor(/warn .*did not arrive/);
      const warning = lines.find((line) => /did not arrive/.test(line.message));
      expect(warning?.message).toContain('listen: { connectionString');
    } finally {
      await subscription.close();
      await journal.close();
    }
    // And with notifications arriving, it says so instead.
    const direct = recordingLogger();
    const working = new PostgresJournal({ connectionString: PG_URL, schema: db.schema, notifyChannel: channel(), logger: direct.logger });
    const live = await working.subscribe(() => {});
    try {
      await direct.waitFor(/debug .*notifications arrive/);
      expect(direct.lines.filter((line) => line.level === 'warn')).toEqual([]);
    } finally {
      await live.close();
      await working.close();
    }
  });
  it('does not blame PgBouncer when its test notification only waited for a busy pool', async () => {
    const pool = await connect(1);
    const { logger, lines, waitFor } = recordingLogger();
    const probeTimeoutMs = 50;
    const journal = new PostgresJournal({ pool, schema: db.schema, notifyChannel: channel(), logger, listen: { probeTimeoutMs } });
    const held = await pool.connect(); // the only connection: the probe's NOTIFY waits for it
    let subscription: { close(): Promise<void> } | undefined;
    try {
      subscription = await journal.subscribe(() => {});
      await eventually(async () => pool.waitingCount === 1);
      // The condition under test is time itself: the pool stays busy for several probe
      // timeouts after the probe asked it for a connection.
      await new Promise((resolve) => setTimeout(resolve, 6 * probeTimeoutMs));
      held.release();
      await waitFor(/notifications arrive|did not arrive/);
      expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([]);
    } finally {
      await subscription?.close();
      await journal.close();
      await pool.end();
    }
  });

  it('says nothing of a test notification sent after the last subscriber left', async () => {
    const pool = await connect(1);
    const { logger, lines, waitFor } = recordingLogger();
    const probeTimeoutMs = 50;
    const journal = new PostgresJournal({ pool, schema: db.schema, notifyChannel: channel(), logger, listen: { probeTimeoutMs } });
    const held = await pool.connect(); // the only connection: the probe's NOTIFY waits for it
    try {
      const subscription = await journal.subscribe(() => {});
      await eventually(async () => pool.waitingCount === 1);
      await subscription.close(); // LISTEN ends while the probe still waits for the pool
      held.release();
      await waitFor(/test notification abandoned, LISTEN ended/); // the probe's NOTIFY was sent, and the probe gave up
      expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([]);
    } finally {
      await journal.close();
      await pool.end();
    }
  });

  it('declares durable state live only with a notify channel, and offers no subscribe without one', async () => {
    const quiet = new PostgresDurableStateStore({ pool: db.pool, schema: db.schema, notifyChannel: false });
    expect(quiet.capabilities.live).toBe(false);
    expect(quiet.subscribe).toBeUndefined();
    await quiet.close();
    expect(() => new PostgresDurableStateStore({ pool: db.pool, schema: db.schema, notifyChannel: '' })).toThrow(
      /notifyChannel: expected a channel name or false/,
    );
    const live = new PostgresDurableStateStore({ pool: db.pool, schema: db.schema });
    expect(live.capabilities.live).toBe(true);
    await live.close();
  });
});
