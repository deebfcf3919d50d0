/**
 * Where a store gets its pool: an injected `pg.Pool` (never ended by the store) or one
 * built lazily from a connection string (ended by the store's `close()`).
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { importOptionalPeer } from '../core/optional-peer.js';
import { withoutUndefined } from '../core/validation.js';
import type { Logger } from '../observability/logger.js';
import { NAME } from './errors.js';
import type { ListenConnection, OpenListenConnection } from './listen.js';
import type { PgPool, PgPoolConfig } from './pg-client.js';

/** How a store reaches PostgreSQL: an existing pool, or a connection string. */
export type PostgresConnectionOptions =
  | {
      /** A `pg.Pool` (or any object with its `query`/`connect`/`end`); the store never ends it. */
      readonly pool: PgPool;
      readonly connectionString?: undefined;
      readonly poolConfig?: undefined;
    }
  | {
      /** A `postgres://` URL; the store builds a pool with `pg` and ends it on `close()`. */
      readonly connectionString: string;
      readonly pool?: undefined;
      /** Options of the pool built from `connectionString`. @default { max: 10 } */
      readonly poolConfig?: PgPoolConfig;
    };

/** A pool and whether the store owns it. */
export interface PoolHandle {
  readonly pool: () => Promise<PgPool>;
  /** Ends the pool when the store built it; does nothing for an injected pool. */
  readonly release: () => Promise<void>;
}

type PgModule = {
  Pool: new (options: Record<string, unknown>) => PgPool & { on(event: 'error', listener: (error: Error) => void): unknown };
  Client: new (options: Record<string, unknown>) => ListenConnection & { connect(): Promise<void> };
};

/** `pg`, imported on first use. */
async function importPg(): Promise<PgModule> {
  const imported = await importOptionalPeer<{ default?: PgModule } & PgModule>({
    name: 'pg',
    source: NAME,
    alternative: 'or pass a pool ({ pool })',
  });
  return imported.default ?? imported;
}

/** Opens a `pg.Client` of its own (outside any pool) with `config`, e.g. `{ connectionString }`. */
export function clientConnection(config: Record<string, unknown>): OpenListenConnection {
  return async () => {
    const pg = await importPg();
    // Without a connect timeout an unanswered SYN would keep the reconnection loop (and close()) waiting forever.
    const client = new pg.Client({ connectionTimeoutMillis: 10_000, ...withoutUndefined(config) });
    // Errors before the caller attaches its own listener must not crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      await Promise.resolve(client.end()).catch(() => {});
      throw error;
    }
    return client;
  };
}

/** Builds a `pg.Pool` from a connection string, importing `pg` only now. */
export async function createPool(connectionString: string, config: PgPoolConfig = {}, logger?: Logger): Promise<PgPool> {
  const pg = await importPg();
  // An unset variable passed as a setting (`max: env.POOL_SIZE`) keeps our default, not pg's.
  const pool = new pg.Pool({ max: 10, connectionTimeoutMillis: 10_000, ...withoutUndefined(config), connectionString });
  // An idle connection dropped by a server restart is reported here; without a listener
  // Node would crash the process. The next query simply opens a new connection.
  pool.on('error', (error) => logger?.warn(`[memento] [${NAME}] idle connection failed`, { error: error.message }));
  return pool;
}

/** Checks the connection options eagerly and returns a lazily created pool. */
export function resolvePool(options: PostgresConnectionOptions, logger?: Logger): PoolHandle {
  const given = options as { pool?: unknown; connectionString?: unknown; poolConfig?: PgPoolConfig };
  if (given.pool !== undefined) {
    const pool = given.pool as PgPool;
    if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      throw new InvalidArgumentError('pool', 'pool: expected a pg.Pool (an object with query and connect)', {
        expected: 'pg.Pool',
        actual: pool,
        source: NAME,
      });
    }
    return { pool: async () => pool, release: async () => {} };
  }
  const url = given.connectionString;
  if (typeof url !== 'string' || url.length === 0) {
    throw new InvalidArgumentError('connectionString', 'options: expected { pool } or { connectionString }, found neither', {
      expected: 'pool or connectionString',
      actual: url,
      source: NAME,
    });
  }
  let created: Promise<PgPool> | undefined;
  return {
    pool: () => {
      created ??= createPool(url, given.poolConfig, logger);
      return created;
    },
    release: async () => {
      if (!created) return;
      const pool = await created.catch(() => undefined);
      await pool?.end();
    },
  };
}
