/**
 * What the three PostgreSQL stores share: options, the pool, table names, retried reads
 * and the "is the abandoned statement finished?" check behind truthful write outcomes.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidArgument } from '../core/validation.js';
import { type Logger, resolveLogger } from '../observability/logger.js';
import { Serialization } from '../serialization/serialization.js';
import { type RetryOptions, type RetryPolicy, retryPolicy, withRetry } from '../spi/retry.js';
import type { StoreOptions } from '../spi/store-options.js';
import { type PoolHandle, type PostgresConnectionOptions, resolvePool } from './connection.js';
import { explainLostConnection, isTransient, NAME, storeFailure } from './errors.js';
import { type TableNames, tableNames, validateSchemaName } from './identifier.js';
import { type MigrateResult, migratePool } from './migrate.js';
import type { PgPool, PgPoolClient } from './pg-client.js';
import { settleAbandonedSql } from './schema/journal/find-written.js';
import { type StatementNames, statementNames } from './statement-names.js';

/**
 * Retries of operations safe to repeat, with the shared loop (src/spi/retry.ts): `attempts`
 * (default 4), `initialDelayMs` (50), `maxDelayMs` (1000), optionally `deadlineMs`.
 */
export type PostgresRetryOptions = Omit<RetryOptions, 'attemptTimeoutMs'>;

/** The PostgreSQL stores' retry defaults. */
const RETRY_DEFAULTS: PostgresRetryOptions = { attempts: 4, initialDelayMs: 50, maxDelayMs: 1000 };
const RULES = { isTransient };

/** Options every PostgreSQL store accepts besides the connection. */
export interface PostgresStoreOptions extends StoreOptions {
  /** Schema holding the tables (validated identifier, always quoted). @default 'public' */
  readonly schema?: string;
  /** Retries of operations safe to repeat (reads, idempotent writes). @default { attempts: 4, initialDelayMs: 50 } */
  readonly retry?: PostgresRetryOptions;
  /**
   * Send reads and single-statement writes as named prepared statements, parsed and planned
   * once per connection. Faster point reads (snapshot loads, highest sequence numbers) on a
   * direct connection; leave off behind PgBouncer before 1.21 in transaction pooling, which
   * cannot keep them (docs/postgres.md). @default false
   */
  readonly preparedStatements?: boolean;
}

/** Connection plus shared options. */
export type PostgresOptions = PostgresConnectionOptions & PostgresStoreOptions;

/** Shared plumbing of the PostgreSQL stores; not part of the public API. */
export class PostgresBase {
  readonly schema: string;
  readonly tables: TableNames;
  readonly serialization: Serialization;
  readonly logger: Logger;
  readonly hooks: StoreOptions['hooks'];
  readonly retry: RetryPolicy;
  readonly #handle: PoolHandle;
  /** Names of statement texts; undefined when statements go unnamed. */
  readonly #statementNames: StatementNames | undefined;

  constructor(options: PostgresOptions) {
    this.schema = validateSchemaName(options?.schema ?? 'public');
    const prepared = options.preparedStatements ?? false;
    if (typeof prepared !== 'boolean') invalidArgument('options.preparedStatements', 'a boolean', prepared, { source: NAME });
    this.#statementNames = prepared ? statementNames : undefined;
    this.tables = tableNames(this.schema);
    this.serialization = options.serialization ?? new Serialization();
    this.logger = resolveLogger(options.logger);
    this.hooks = options.hooks;
    this.retry = retryPolicy({ ...options.retry, attemptTimeoutMs: undefined }, RETRY_DEFAULTS);
    this.#handle = resolvePool(options, this.logger);
  }

  /** The pool (built on first use when given a connection string). */
  pool(): Promise<PgPool> {
    return this.#handle.pool();
  }

  /** Ends the pool if the store built it. */
  release(): Promise<void> {
    return this.#handle.release();
  }

  /** Runs the schema migrations on this store's schema. */
  async migrate(): Promise<MigrateResult> {
    return migratePool(await this.pool(), this.schema, this.tables);
  }

  /** A query safe to repeat, retried on transient failures, failures wrapped with the operation. */
  async read<R>(operation: string, persistenceId: string | undefined, text: string, values: unknown[]): Promise<R[]> {
    try {
      const name = this.#statementNames?.nameOf(text);
      const query = name === undefined ? text : { name, text, values };
      return await withRetry(this.retry, async () => (await (await this.pool()).query<R>(query, values)).rows, RULES);
    } catch (error) {
      throw storeFailure(error, operation, persistenceId);
    }
  }

  /** A dedicated connection; acquiring is retried since nothing was sent yet. */
  async connect(operation: string, persistenceId?: string): Promise<PgPoolClient> {
    let client: PgPoolClient;
    try {
      client = await withRetry(this.retry, async () => (await this.pool()).connect(), RULES);
    } catch (error) {
      throw storeFailure(error, operation, persistenceId);
    }
    // A checked-out connection that drops emits 'error' (without a listener Node would crash
    // the process). Kept, because the next statement only learns "not queryable" while the
    // server said why, e.g. idle_in_transaction_session_timeout.
    let lost: Error | undefined;
    const ignore = (error: Error) => {
      lost ??= error;
    };
    client.on('error', ignore);
    return {
      query: async (text, values) => {
        try {
          return await client.query(text, values);
        } catch (error) {
          throw lost ? explainLostConnection(error, lost) : error;
        }
      },
      on: ((event: 'error', listener: (error: Error) => void) => client.on(event, listener)) as PgPoolClient['on'],
      removeListener: ((event: 'error', listener: (error: Error) => void) =>
        client.removeListener(event, listener)) as PgPoolClient['removeListener'],
      release: (destroy) => {
        client.removeListener('error', ignore);
        client.release(destroy);
      },
    };
  }

  /**
   * After a statement tagged `marker` failed without a clear answer, ends any backend still
   * running it (or idle in its transaction) and waits for it to exit, so whatever is read
   * next is its final outcome. Retried while the server is coming back.
   */
  async settleAbandoned(marker: string): Promise<void> {
    const policy = { ...this.retry, attempts: Math.max(this.retry.attempts, 8) };
    await withRetry(
      policy,
      async () => {
        const pool = await this.pool();
        for (let round = 0; round < 20; round++) {
          const { rows } = await pool.query<{ pid: number }>(settleAbandonedSql, [`/* ${marker} */`]);
          if (rows.length === 0) return;
          await sleep(20);
        }
        throw new Error(`a backend still runs the statement tagged ${marker}`);
      },
      RULES,
    );
  }
}
