/**
 * Projection offsets in PostgreSQL, for exactly-once projections whose handler writes to
 * the same database: handler writes and offset commit in one transaction.
 * @module
 */
import { GuardedTransactionalOffsetStore, type TransactionalOffsetStoreCore } from '../spi/guarded-offset-store.js';
import { decodeOffset } from '../spi/offset-store.js';
import type { Offset } from '../spi/read-journal.js';
import { NAME, storeFailure } from './errors.js';
import type { MigrateResult } from './migrate.js';
import type { PgPoolClient } from './pg-client.js';
import { loadOffsetSql, saveOffsetSql } from './schema/offsets/index.js';
import { PostgresBase, type PostgresOptions } from './store-base.js';

/** What an exactly-once handler receives: a client inside the projection's open transaction. */
export interface PostgresProjectionTransaction {
  /** Run the handler's statements on this client so they commit with the offset. */
  readonly client: PgPoolClient;
}

/** The I/O of {@link PostgresOffsetStore} through the store's pool. */
class PostgresOffsetStoreCore implements TransactionalOffsetStoreCore<PostgresProjectionTransaction> {
  constructor(private readonly base: PostgresBase) {}

  async load(projectionName: string): Promise<Offset> {
    const rows = await this.base.read<{ offset_value: string }>('offsetStore.load', undefined, loadOffsetSql(this.base.tables), [
      projectionName,
    ]);
    return decodeOffset(rows[0] ? Number(rows[0].offset_value) : 0);
  }

  async save(projectionName: string, _offset: Offset, value: number): Promise<void> {
    // Setting an offset is idempotent, so the retrying read path is safe for it.
    await this.base.read('offsetStore.save', undefined, saveOffsetSql(this.base.tables), [projectionName, value]);
  }

  async inTransaction(
    projectionName: string,
    _offset: Offset,
    value: number,
    work: (transaction: PostgresProjectionTransaction) => void | Promise<void>,
  ): Promise<void> {
    const client = await this.base.connect('offsetStore.inTransaction');
    const own = async (text: string, values?: unknown[]) => {
      try {
        await client.query(text, values);
      } catch (error) {
        throw storeFailure(error, 'offsetStore.inTransaction');
      }
    };
    let broken: Error | undefined;
    try {
      await own('BEGIN');
      try {
        await work({ client });
        await own(saveOffsetSql(this.base.tables), [projectionName, value]);
        await own('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  /** Ends the pool if the store built it. */
  async close(): Promise<void> {
    await this.base.release();
  }
}

/** Offsets in `memento_projection_offsets`; `runProjection` with it is exactly-once. */
export class PostgresOffsetStore extends GuardedTransactionalOffsetStore<PostgresProjectionTransaction> {
  readonly #base: PostgresBase;

  constructor(options: PostgresOptions) {
    const base = new PostgresBase(options);
    super(new PostgresOffsetStoreCore(base), { source: NAME, hooks: base.hooks });
    this.#base = base;
  }

  /** Creates or upgrades the tables (idempotent). */
  migrate(): Promise<MigrateResult> {
    return this.#base.migrate();
  }
}
