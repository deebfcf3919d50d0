/**
 * Projection offsets in PostgreSQL, for exactly-once projections whose handler writes to
 * the same database: handler writes and offset commit in one transaction.
 * @module
 */
import { decodeOffset, encodeOffset, type TransactionalOffsetStore, validateProjectionName } from '../spi/offset-store.js';
import type { Offset } from '../spi/read-journal.js';
import { StoreLifecycle } from '../spi/store-options.js';
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

/** Offsets in `memento_projection_offsets`; `runProjection` with it is exactly-once. */
export class PostgresOffsetStore implements TransactionalOffsetStore<PostgresProjectionTransaction> {
  readonly #base: PostgresBase;
  readonly #lifecycle = new StoreLifecycle(NAME, 'offsetStore');

  constructor(options: PostgresOptions) {
    this.#base = new PostgresBase(options);
  }

  /** Creates or upgrades the tables (idempotent). */
  migrate(): Promise<MigrateResult> {
    return this.#base.migrate();
  }

  async load(projectionName: string): Promise<Offset> {
    this.#lifecycle.assertOpen('load');
    const name = validateProjectionName(projectionName);
    const rows = await this.#base.read<{ offset_value: string }>('offsetStore.load', undefined, loadOffsetSql(this.#base.tables), [name]);
    return decodeOffset(rows[0] ? Number(rows[0].offset_value) : 0);
  }

  async save(projectionName: string, offset: Offset): Promise<void> {
    this.#lifecycle.assertOpen('save');
    const name = validateProjectionName(projectionName);
    // Setting an offset is idempotent, so the retrying read path is safe for it.
    await this.#base.read('offsetStore.save', undefined, saveOffsetSql(this.#base.tables), [name, encodeOffset(offset)]);
  }

  async inTransaction(
    projectionName: string,
    offset: Offset,
    work: (transaction: PostgresProjectionTransaction) => void | Promise<void>,
  ): Promise<void> {
    this.#lifecycle.assertOpen('inTransaction');
    const name = validateProjectionName(projectionName);
    const value = encodeOffset(offset);
    const client = await this.#base.connect('offsetStore.inTransaction');
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
        await own(saveOffsetSql(this.#base.tables), [name, value]);
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

  /** Ends the pool if the store built it. Idempotent. */
  async close(): Promise<void> {
    if (this.#lifecycle.close()) await this.#base.release();
  }
}
