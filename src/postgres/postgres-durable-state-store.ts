/**
 * PostgreSQL durable state store: one row per id; a change names the revision it creates
 * and is applied only where the stored revision is one less.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import { validateInteger } from '../core/validation.js';
import type { DurableStateCapabilities } from '../spi/capabilities.js';
import type { DurableStateChange, DurableStateRecord, StoredDurableState } from '../spi/durable-state-store.js';
import {
  decodeState,
  type EncodedState,
  encodeState,
  prepareState,
  restoreConflict,
  revisionConflict,
} from '../spi/durable-state-support.js';
import { type DurableStateStoreCore, GuardedDurableStateStore } from '../spi/guarded-durable-state-store.js';
import { withRetry } from '../spi/retry.js';
import { describeFailure, isDefiniteRollback, isTransientRollback, NAME, storeFailure } from './errors.js';
import { type AppendNotifications, type PostgresListenOptions, storeNotifications } from './listen.js';
import { attachBase, withPostgresBase } from './postgres-store.js';
import {
  changesByTagSql,
  findStateSql,
  getStateSql,
  getStoredStateSql,
  insertStateSql,
  listStateIdsSql,
  purgeDeletedStatesSql,
  recordedChangeSql,
  restoreStateSql,
  updateStateSql,
} from './schema/state/index.js';
import { PostgresBase, type PostgresOptions } from './store-base.js';

/** Options of {@link PostgresDurableStateStore}. */
export type PostgresDurableStateStoreOptions = PostgresOptions & {
  /** Channel NOTIFYed after each change (payload `{"schema","ordering"}`); `false` disables. @default 'memento_durable_state' */
  readonly notifyChannel?: string | false;
  /** Where live `changesByTag` queries LISTEN, see {@link PostgresListenOptions}. @default the pool's server, on a connection of its own */
  readonly listen?: PostgresListenOptions;
};

/** The I/O of {@link PostgresDurableStateStore}. */
class PostgresDurableStateCore implements DurableStateStoreCore<EncodedState> {
  /** ChangesByTag queries (live ones woken by LISTEN/NOTIFY unless `notifyChannel: false`), listing and whole-state transfer. */
  readonly capabilities: DurableStateCapabilities;
  readonly #base: PostgresBase;
  /** The change statements, NOTIFYing when a channel is set. */
  readonly #sql: { readonly insert: string; readonly update: string; readonly restore: string };
  /** The channel and schema parameters of the NOTIFYing statements (none when notifications are off). */
  readonly #notifyValues: readonly unknown[];
  /** The store's one LISTEN connection, shared by its live queries; absent with `notifyChannel: false`. */
  readonly notifications: AppendNotifications | undefined;

  constructor(base: PostgresBase, options: PostgresDurableStateStoreOptions) {
    this.#base = base;
    attachBase(this, base);
    const t = base.tables;
    const channel = options.notifyChannel ?? 'memento_durable_state';
    if (channel !== false && (typeof channel !== 'string' || channel.length === 0)) {
      throw new InvalidArgumentError('notifyChannel', 'notifyChannel: expected a channel name or false', {
        expected: 'a non-empty string or false',
        actual: channel,
        source: NAME,
      });
    }
    this.capabilities = { queries: true, live: channel !== false, transfer: true };
    if (channel === false) {
      this.#sql = {
        insert: recordedChangeSql(t, insertStateSql(t)),
        update: recordedChangeSql(t, updateStateSql(t)),
        restore: recordedChangeSql(t, restoreStateSql(t)),
      };
      this.#notifyValues = [];
      // Without notifications readers poll: the guard hides subscribe when the core has none.
      Object.defineProperty(this, 'subscribe', { value: undefined });
      return;
    }
    const target = { channel, schema: base.schema };
    this.#sql = {
      insert: recordedChangeSql(t, insertStateSql(t), { channel: 5, schema: 6 }),
      update: recordedChangeSql(t, updateStateSql(t), { channel: 5, schema: 6 }),
      restore: recordedChangeSql(t, restoreStateSql(t), { channel: 6, schema: 7 }),
    };
    this.#notifyValues = [channel, target.schema];
    this.notifications = storeNotifications({
      options,
      target,
      pool: () => base.pool(),
      logger: base.logger,
      send: (text, values) => base.read('state.subscribe', undefined, text, values),
    });
  }

  /**
   * Calls `listener` with the ordering of every change in this schema, through LISTEN on the
   * store's one notification connection (outside the pool, reconnected when it drops).
   * Resolves once LISTEN was tried; `close()` the result to stop.
   */
  subscribe(listener: (notification: { readonly ordering: number }) => void): Promise<{ close(): Promise<void> }> {
    return (this.notifications as AppendNotifications).subscribe(listener);
  }

  async get(persistenceId: string): Promise<DurableStateRecord> {
    const [row] = await this.#base.read<{ revision: string; payload: Buffer | null }>(
      'state.get',
      persistenceId,
      getStateSql(this.#base.tables),
      [persistenceId],
    );
    if (!row) return { value: null, revision: 0 };
    const value = decodeState(row.payload, persistenceId, Number(row.revision), this.#base.serialization);
    return { value, revision: Number(row.revision) };
  }

  prepareUpsert(persistenceId: string, revision: number, value: unknown): EncodedState {
    return prepareState(value, persistenceId, revision, this.#base.serialization);
  }

  async upsert({ payload }: EncodedState, persistenceId: string, revision: number, tag: string | undefined): Promise<void> {
    await this.#change(persistenceId, revision, payload, tag ?? null, 'upsert');
  }

  /** The revision stays. */
  async delete(persistenceId: string, revision: number): Promise<void> {
    await this.#change(persistenceId, revision, null, null, 'delete');
  }

  async #change(persistenceId: string, revision: number, payload: Uint8Array | null, tag: string | null, operation: 'upsert' | 'delete') {
    const sql = revision === 1 ? this.#sql.insert : this.#sql.update;
    const name = `state.${operation}`;
    const changed = await withRetry(
      this.#base.retry,
      async () => {
        const marker = `memento:state:${randomUUID()}`;
        const client = await this.#base.connect(name, persistenceId);
        try {
          const result = await client.query(`/* ${marker} */ ${sql}`, [persistenceId, revision, payload, tag, ...this.#notifyValues]);
          client.release();
          return result.rowCount === 1;
        } catch (error) {
          client.release(error as Error);
          if (isDefiniteRollback(error)) throw error;
          return this.#settle(name, persistenceId, marker, revision, payload, error);
        }
      },
      {
        isTransient: isTransientRollback,
        fail: ({ error }) => (isDefiniteRollback(error) ? storeFailure(error, name, persistenceId, '; nothing was stored') : error),
      },
    );
    if (changed) return;
    throw revisionConflict(persistenceId, await this.#currentRevision(name, persistenceId), revision, operation, NAME);
  }

  /** The connection failed after the change was sent: true when it committed, else StoreUnavailableError. */
  async #settle(name: string, persistenceId: string, marker: string, revision: number, payload: Uint8Array | null, cause: unknown) {
    let found: unknown[];
    try {
      await this.#base.settleAbandoned(marker);
      found = await this.#base.read(name, persistenceId, findStateSql(this.#base.tables), [persistenceId, revision, payload]);
    } catch (checkError) {
      throw storeFailure(cause, name, persistenceId, `; the outcome is unknown: the check failed too (${describeFailure(checkError)})`);
    }
    if (found.length > 0) return true;
    throw storeFailure(cause, name, persistenceId, '; checked afterwards: nothing was stored, safe to retry');
  }

  async #currentRevision(operation: string, persistenceId: string): Promise<number> {
    const [row] = await this.#base.read<{ revision: string }>(operation, persistenceId, getStateSql(this.#base.tables), [persistenceId]);
    return row ? Number(row.revision) : 0;
  }

  async readChangesByTag(tag: string, after: number, max: number): Promise<DurableStateChange[]> {
    const rows = await this.#base.read<{
      persistence_id: string;
      revision: string;
      payload: Uint8Array | null;
      tag: string;
      ordering: string;
      timestamp_ms: string;
    }>('state.readChangesByTag', undefined, changesByTagSql(this.#base.tables), [tag, after, max]);
    return rows.map((row) => ({
      persistenceId: row.persistence_id,
      revision: Number(row.revision),
      value: decodeState(row.payload, row.persistence_id, Number(row.revision), this.#base.serialization),
      tag: row.tag,
      ordering: Number(row.ordering),
      timestamp: Number(row.timestamp_ms),
    }));
  }

  /** Ids with a stored state (deleted ones included), in byte order. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.#base.read<{ persistence_id: string }>(
      'state.listPersistenceIds',
      undefined,
      listStateIdsSql(this.#base.tables),
      [afterId ?? '', limit],
    );
    return rows.map((row) => row.persistence_id);
  }

  /** The stored state with its tag and time; null when never written. */
  async readStored(persistenceId: string): Promise<StoredDurableState | null> {
    const [row] = await this.#base.read<{ revision: string; payload: Buffer | null; tag: string | null; timestamp_ms: string }>(
      'state.readStored',
      persistenceId,
      getStoredStateSql(this.#base.tables),
      [persistenceId],
    );
    if (!row) return null;
    const revision = Number(row.revision);
    const value = decodeState(row.payload, persistenceId, revision, this.#base.serialization);
    return { persistenceId, revision, value, tag: row.tag ?? undefined, timestamp: Number(row.timestamp_ms) };
  }

  /**
   * Writes a whole state for an id never written here, else ConcurrencyError. Safe to
   * repeat: a retry after a lost answer finds the row and reports the conflict only when
   * it differs from what was restored.
   */
  async restore(state: StoredDurableState, revision: number, timestamp: number): Promise<void> {
    const { persistenceId } = state;
    const payload = state.value === null ? null : encodeState(state.value, persistenceId, revision, this.#base.serialization);
    const inserted = await this.#base.read('state.restore', persistenceId, this.#sql.restore, [
      persistenceId,
      revision,
      payload,
      state.tag ?? null,
      timestamp,
      ...this.#notifyValues,
    ]);
    if (inserted.length === 1) return;
    const found = await this.#base.read('state.restore', persistenceId, findStateSql(this.#base.tables), [
      persistenceId,
      revision,
      payload,
    ]);
    if (found.length === 0)
      throw restoreConflict(persistenceId, await this.#currentRevision('state.restore', persistenceId), revision, NAME);
  }

  /** Ends the LISTEN connection, then the pool if the store built it. */
  async close(): Promise<void> {
    await this.notifications?.stop();
    await this.#base.release();
  }
}

/** Durable state in a PostgreSQL table (see docs/postgres.md for the schema). */
export class PostgresDurableStateStore extends withPostgresBase(GuardedDurableStateStore<EncodedState>) {
  readonly #base: PostgresBase;
  readonly #core: PostgresDurableStateCore;

  constructor(options: PostgresDurableStateStoreOptions) {
    const base = new PostgresBase(options);
    const core = new PostgresDurableStateCore(base, options);
    super(core, { source: NAME, hooks: base.hooks });
    this.#base = base;
    attachBase(this, base);
    this.#core = core;
  }

  /** True while the store's LISTEN connection is in place. */
  get listening(): boolean {
    return this.#core.notifications?.listening ?? false;
  }

  /**
   * Removes durable states deleted more than `retentionMs` ago (their tombstones), returning
   * their ids. A tombstone keeps the revision so a stale writer cannot recreate the value at
   * a reused revision; choose a retention longer than any writer keeps a revision (see
   * "Growth and cleanup" in docs/postgres.md). Live values are never touched.
   */
  purgeDeleted(options: { readonly retentionMs: number }): Promise<string[]> {
    return this.guarded(
      'state.purgeDeleted',
      undefined,
      () => validateInteger(options?.retentionMs, 'retentionMs', { source: NAME }, { min: 0 }),
      async (retentionMs) => {
        // Idempotent: deleting tombstones again deletes nothing more, so the retried path is safe.
        const sql = purgeDeletedStatesSql(this.#base.tables);
        const rows = await this.#base.read<{ persistence_id: string }>('state.purgeDeleted', undefined, sql, [retentionMs]);
        return rows.map((row) => row.persistence_id);
      },
    );
  }
}
