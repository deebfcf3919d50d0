/**
 * Test plumbing for the PostgreSQL plugin: the server URL, a fresh schema per test file,
 * and a clear failure (never a skip) when no server answers.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import {
  migrate,
  type PgNamedQuery,
  type PgPool,
  type PgPoolClient,
  type PgQueryResult,
  PostgresDurableStateStore,
  PostgresJournal,
  PostgresSnapshotStore,
} from '../../src/postgres/index.js';
import type { StoreClasses } from '../support/store-set.js';

/** The server the tests use: `MEMENTO_PG_URL`, else the local trust-auth server. */
export const PG_URL = process.env.MEMENTO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A random schema name, so test files and runs never share tables. */
export const randomSchema = (label = 'test'): string => `memento_${label}_${randomBytes(6).toString('hex')}`;

/** A pool on {@link PG_URL}, after checking that the server answers. */
export async function connect(max = 10): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: PG_URL, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // idle connections killed by tests are expected
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL} (${(error as Error).message}). The PostgreSQL tests need a server: start the local one with ` +
        '`pg_ctlcluster --skip-systemctl-redirect 15 main start` (see `ls /usr/lib/postgresql` for the version), or set MEMENTO_PG_URL.',
      { cause: error },
    );
  }
  return pool;
}

/** A pool and a migrated schema of its own for one test file, dropped afterwards. */
export interface PgContext {
  readonly pool: pg.Pool;
  readonly schema: string;
}

/** The PostgreSQL stores, each on a pool and schema, for `openStoreSet`. */
export const postgresStoreClasses: StoreClasses<{ readonly pool: PgPool; readonly schema: string }> = {
  Journal: PostgresJournal,
  SnapshotStore: PostgresSnapshotStore,
  DurableStateStore: PostgresDurableStateStore,
};

/**
 * Registers beforeAll/afterAll hooks that create and drop a migrated schema; read the
 * context inside tests. Without a server every test fails with how to start one (a failing
 * beforeAll would only mark them skipped).
 */
export function useSchema(label = 'test'): PgContext {
  let pool: pg.Pool | undefined;
  let schema = '';
  let failure: unknown;
  const ready = <T>(value: T | undefined): T => {
    if (failure !== undefined || value === undefined) throw failure ?? new Error('useSchema: used outside a test');
    return value;
  };
  beforeAll(async () => {
    try {
      pool = await connect();
      schema = randomSchema(label);
      await migrate({ pool, schema });
    } catch (error) {
      failure = error;
    }
  });
  afterAll(async () => {
    if (!pool) return;
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
  });
  return {
    get pool() {
      return ready(pool);
    },
    get schema() {
      return ready(schema || undefined);
    },
  };
}

/** Polls `check` until it returns true (no timing assertion: fails only after `attempts`). */
export async function eventually(check: () => Promise<boolean>, attempts = 500, delayMs = 10): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  throw new Error('condition not reached');
}

/**
 * `pool` whose pooled clients hand each statement (query text, or pg's submittable object for
 * a replay page's COPY) and its values to `watch` before running it; `watch` may throw to refuse it.
 */
export function watchedPool(pool: pg.Pool, watch: (statement: unknown, values?: unknown[]) => void): PgPool {
  return {
    query: <R>(text: string | PgNamedQuery, values?: unknown[]) => pool.query(text, values) as unknown as Promise<PgQueryResult<R>>,
    connect: async () => {
      const client = await pool.connect();
      return {
        query: <R>(text: string, values?: unknown[]) => {
          watch(text, values);
          return client.query(text, values) as unknown as Promise<PgQueryResult<R>>;
        },
        release: (destroy?: Error | boolean) => client.release(destroy),
        on: (event: string, listener: (...args: never[]) => void) => client.on(event as 'error', listener as () => void),
        removeListener: (event: string, listener: (...args: never[]) => void) => client.removeListener(event, listener as () => void),
      } as PgPoolClient;
    },
    end: async () => {},
  };
}

/** A pool that records the text of every statement sent through it, then delegates. */
export function spyPool(pool: pg.Pool, seen: string[]): PgPool {
  const watched = watchedPool(pool, (statement) => {
    // A replay page's COPY comes as pg's submittable object, which carries its text.
    seen.push(typeof statement === 'string' ? statement : (statement as { text: string }).text);
  });
  return {
    ...watched,
    query: <R>(text: string | PgNamedQuery, values?: unknown[]) => {
      seen.push(typeof text === 'string' ? text : text.text);
      return pool.query(text, values) as unknown as Promise<PgQueryResult<R>>;
    },
  };
}

/** {@link PG_URL} with another host and port. */
export function urlVia(port: number): string {
  const url = new URL(PG_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/**
 * A TCP proxy in front of PostgreSQL that can lose a connection at the worst moment: once
 * armed with a marker, the connection that sends a statement containing it is cut as soon
 * as the server answers, so the statement ran (and committed) but the client never hears.
 */
export async function startProxy(): Promise<{
  url: string;
  dropAnswerTo(marker: string): void;
  cutAfterSending(marker: string): void;
  close(): Promise<void>;
}> {
  const target = new URL(PG_URL);
  let armed: Buffer | undefined;
  let cutting: Buffer | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let tripped = false;
    client.on('data', (chunk) => {
      if (cutting && chunk.includes(cutting)) {
        // The statement reaches the server, then the network fails before any answer.
        cutting = undefined;
        upstream.end(chunk);
        client.destroy();
        return;
      }
      if (armed && chunk.includes(armed)) {
        tripped = true;
        armed = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (tripped) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: urlVia(port),
    dropAnswerTo: (marker) => {
      armed = Buffer.from(marker);
    },
    cutAfterSending: (marker) => {
      cutting = Buffer.from(marker);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Makes the insert of one event fail (a trigger raises on it, after the rows before it in
 * the write were inserted), for the journal conformance kit's `failStoringEvent`; returns
 * the function that removes the fault.
 */
export async function plantEventFailure(
  pool: Pick<pg.Pool, 'query'>,
  schema: string,
  persistenceId: string,
  sequenceNr: number,
): Promise<() => Promise<void>> {
  const quotedSchema = `"${schema}"`;
  const quoted = `'${persistenceId.replaceAll("'", "''")}'`;
  await pool.query(`CREATE FUNCTION ${quotedSchema}.tck_fail_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.persistence_id = ${quoted} AND NEW.sequence_nr = ${sequenceNr} THEN
        RAISE EXCEPTION 'storage failure planted by the conformance kit';
      END IF;
      RETURN NEW;
    END $$`);
  await pool.query(
    `CREATE TRIGGER tck_fail_event BEFORE INSERT ON ${quotedSchema}.memento_journal FOR EACH ROW EXECUTE FUNCTION ${quotedSchema}.tck_fail_event()`,
  );
  return async () => {
    await pool.query(`DROP TRIGGER tck_fail_event ON ${quotedSchema}.memento_journal`);
    await pool.query(`DROP FUNCTION ${quotedSchema}.tck_fail_event()`);
  };
}
