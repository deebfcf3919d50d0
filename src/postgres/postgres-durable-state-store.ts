/**
 * PostgreSQL durable state store: one row per id; a change names the revision it creates
 * and is applied only where the stored revision is one less.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { validateInteger } from '../core/validation.js';
import { measure } from '../observability/hooks.js';
import type { Serialization } from '../serialization/serialization.js';
import type { DurableStateCapabilities } from '../spi/capabilities.js';
import type { DurableStateChange, DurableStateRecord, StoredDurableState } from '../spi/durable-state-store.js';
import { decodeState, encodeState, restoreConflict, revisionConflict } from '../spi/durable-state-support.js';
import { type DurableStateStoreCore, GuardedDurableStateStore } from '../spi/guarded-durable-state-store.js';
import { withRetry } from '../spi/retry.js';
import { describeFailure, isDefiniteRollback, isTransientRollback, NAME, storeFailure } from './errors.js';
import type { MigrateResult } from './migrate.js';
import {
  changesByTagSql,
  findStateSql,
  getStateSql,
  getStoredStateSql,
  insertStateSql,
  listStateIdsSql,
  purgeDeletedStatesSql,
  restoreStateSql,
  updateStateSql,
} from './schema/state/index.js';
import { PostgresBase, type PostgresOptions } from './store-base.js';

/** Options of {@link PostgresDurableStateStore}. */
export type PostgresDurableStateStoreOptions = PostgresOptions;

interface PreparedPayload {
  readonly payload: Uint8Array;
  readonly bytes: number;
}

/** The I/O of {@link PostgresDurableStateStore}. */
class PostgresDurableStateCore implements DurableStateStoreCore<PreparedPayload> {
  /** ChangesByTag queries (live ones poll: no notifications), listing and whole-state transfer. */
  readonly capabilities: DurableStateCapabilities = { queries: true, live: false, transfer: true };
  readonly #base: PostgresBase;

  constructor(base: PostgresBase) {
    this.#base = base;
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

  prepareUpsert(persistenceId: string, revision: number, value: unknown): PreparedPayload {
    const payload = encodeState(value, persistenceId, revision, this.#base.serialization);
    return { payload, bytes: payload.length };
  }

  async upsert({ payload }: PreparedPayload, persistenceId: string, revision: number, tag: string | undefined): Promise<void> {
    await this.#change(persistenceId, revision, payload, tag ?? null, 'upsert');
  }

  /** The revision stays. */
  async delete(persistenceId: string, revision: number): Promise<void> {
    await this.#change(persistenceId, revision, null, null, 'delete');
  }

  async #change(persistenceId: string, revision: number, payload: Uint8Array | null, tag: string | null, operation: 'upsert' | 'delete') {
    const t = this.#base.tables;
    const sql = revision === 1 ? insertStateSql(t) : updateStateSql(t);
    const name = `state.${operation}`;
    const changed = await withRetry(
      this.#base.retry,
      async () => {
        const marker = `memento:state:${randomUUID()}`;
        const client = await this.#base.connect(name, persistenceId);
        try {
          const result = await client.query(`/* ${marker} */ ${sql}`, [persistenceId, revision, payload, tag]);
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
    const inserted = await this.#base.read('state.restore', persistenceId, `${restoreStateSql(this.#base.tables)} RETURNING 1`, [
      persistenceId,
      revision,
      payload,
      state.tag ?? null,
      timestamp,
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

  /** Ends the pool if the store built it. */
  async close(): Promise<void> {
    await this.#base.release();
  }
}

/** Durable state in a PostgreSQL table (see docs/postgres.md for the schema). */
export class PostgresDurableStateStore extends GuardedDurableStateStore<PreparedPayload> {
  readonly #base: PostgresBase;

  constructor(options: PostgresDurableStateStoreOptions) {
    const base = new PostgresBase(options);
    super(new PostgresDurableStateCore(base), { source: NAME, hooks: base.hooks });
    this.#base = base;
  }

  /** How this store turns values into stored bytes (its encryption included). */
  get serialization(): Serialization {
    return this.#base.serialization;
  }

  /**
   * Removes durable states deleted more than `retentionMs` ago (their tombstones), returning
   * their ids. A tombstone keeps the revision so a stale writer cannot recreate the value at
   * a reused revision; choose a retention longer than any writer keeps a revision (see
   * "Growth and cleanup" in docs/postgres.md). Live values are never touched.
   */
  async purgeDeleted(options: { readonly retentionMs: number }): Promise<string[]> {
    this.lifecycle.assertOpen('purgeDeleted');
    const retentionMs = validateInteger(options?.retentionMs, 'retentionMs', { source: NAME }, { min: 0 });
    return measure(this.#base.hooks, { operation: 'state.purgeDeleted', store: NAME }, async () => {
      // Idempotent: deleting tombstones again deletes nothing more, so the retried path is safe.
      const rows = await this.#base.read<{ persistence_id: string }>(
        'state.purgeDeleted',
        undefined,
        purgeDeletedStatesSql(this.#base.tables),
        [retentionMs],
      );
      return rows.map((row) => row.persistence_id);
    });
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.#base.schema;
  }

  /** Creates or upgrades the tables (idempotent, safe from several processes at once). */
  migrate(): Promise<MigrateResult> {
    return this.#base.migrate();
  }
}
