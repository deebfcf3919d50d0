/**
 * Projection offsets in the SQLite file, for exactly-once projections whose handler writes
 * to the same file: handler writes and offset commit in one transaction.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { GuardedTransactionalOffsetStore, type TransactionalOffsetStoreCore } from '../spi/guarded-offset-store.js';
import { decodeOffset } from '../spi/offset-store.js';
import type { Offset } from '../spi/read-journal.js';
import { StoreLifecycle } from '../spi/store-options.js';
import type { SqliteDatabase } from './client.js';
import { checkOptions, NAME, type SqliteOptions, type SqliteTarget } from './options.js';
import { StoreConnection } from './store-connection.js';

const selectOffset = 'SELECT offset_value FROM projection_offsets WHERE projection_name = ?';
const upsertOffset = `INSERT INTO projection_offsets (projection_name, offset_value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (projection_name) DO UPDATE SET offset_value = excluded.offset_value, updated_at = excluded.updated_at`;

/** What an exactly-once handler receives: the connection, inside the open transaction. */
export interface SqliteProjectionTransaction {
  /** The shared better-sqlite3 connection; statements run inside the projection's transaction. */
  readonly db: SqliteDatabase;
}

/** The I/O of {@link SqliteOffsetStore} on the shared connection. */
class SqliteOffsetStoreCore implements TransactionalOffsetStoreCore<SqliteProjectionTransaction> {
  constructor(private readonly connection: StoreConnection) {}

  async load(projectionName: string): Promise<Offset> {
    const connection = this.connection.get('load');
    try {
      const row = connection.rawStatement(selectOffset).get(projectionName) as [number] | undefined;
      return decodeOffset(row?.[0] ?? 0);
    } catch (error) {
      throw connection.failure(error, 'offsetStore.load');
    }
  }

  async save(projectionName: string, _offset: Offset, value: number): Promise<void> {
    const connection = this.connection.get('save');
    try {
      connection.statement(upsertOffset).run(projectionName, value, Date.now());
    } catch (error) {
      throw connection.failure(error, 'offsetStore.save');
    }
  }

  async inTransaction(
    projectionName: string,
    _offset: Offset,
    value: number,
    work: (transaction: SqliteProjectionTransaction) => void | Promise<void>,
  ): Promise<void> {
    const connection = this.connection.get('inTransaction');
    connection.immediate(() => {
      const result = work({ db: connection.db });
      if (result && typeof (result as Promise<void>).then === 'function') {
        // Roll back: whatever the handler does after its first await would run outside the transaction.
        (result as Promise<void>).catch(() => {});
        throw new InvalidArgumentError(
          'handler',
          `projection ${JSON.stringify(projectionName)}: expected a synchronous handler for the SQLite exactly-once offset store, found one returning a promise`,
          { expected: 'void', actual: 'Promise', source: NAME },
        );
      }
      connection.statement(upsertOffset).run(projectionName, value, Date.now());
    });
  }

  /** Releases the connection (closed when no other store uses it). */
  async close(): Promise<void> {
    this.connection.release();
  }
}

/**
 * Offsets in the `projection_offsets` table. With it, `runProjection` runs each handler
 * inside `BEGIN IMMEDIATE ... COMMIT` together with the offset update. better-sqlite3 is
 * synchronous, so the handler must do its database work synchronously and return nothing
 * (not a promise): a transaction cannot stay open across `await` on a shared connection.
 */
export class SqliteOffsetStore extends GuardedTransactionalOffsetStore<SqliteProjectionTransaction> {
  constructor(database: SqliteTarget, options: SqliteOptions = {}) {
    const lifecycle = new StoreLifecycle(NAME, 'offsetStore');
    const connection = new StoreConnection(database, checkOptions(database, options), lifecycle);
    super(new SqliteOffsetStoreCore(connection), { source: NAME, hooks: options.hooks, lifecycle });
  }
}
