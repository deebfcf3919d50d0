/**
 * The SQLite durable state store: one row per persistence id; the revision check and the
 * change run in one write transaction, so two processes cannot both take a revision.
 * @module
 */
import { validatePersistenceId } from '../core/persistence-id.js';
import { measure } from '../observability/hooks.js';
import { Serialization } from '../serialization/serialization.js';
import type { DurableStateCapabilities } from '../spi/capabilities.js';
import type {
  DurableStateChange,
  DurableStateRecord,
  QueryableDurableStateStore,
  StoredDurableState,
  TransferableDurableStateStore,
} from '../spi/durable-state-store.js';
import {
  decodeState,
  encodeState,
  restoreConflict,
  revisionConflict,
  validateRestore,
  validateStateChange,
} from '../spi/durable-state-support.js';
import { validateIdListing, validateOrderingRead } from '../spi/queryable-journal.js';
import { StoreLifecycle, type StoreOptions } from '../spi/store-options.js';
import { checkOptions, NAME, type SqliteDurableStateStoreOptions, type SqliteTarget } from './options.js';
import {
  selectChangesByTag,
  selectRevision,
  selectState,
  selectStateIds,
  selectStoredState,
  upsertState,
} from './sql/durable-state-sql.js';
import { StoreConnection } from './store-connection.js';

/** A durable state store in an SQLite file (or an open better-sqlite3 Database). */
export class SqliteDurableStateStore implements QueryableDurableStateStore, TransferableDurableStateStore {
  /** ChangesByTag queries (live ones poll: no notifications), listing and whole-state transfer. */
  readonly capabilities: DurableStateCapabilities = { queries: true, live: false, transfer: true };
  readonly #serialization: Serialization;
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #hooks: StoreOptions['hooks'];
  readonly #lifecycle = new StoreLifecycle(NAME, 'durableStateStore');
  readonly #connection: StoreConnection;

  constructor(database: SqliteTarget, options: SqliteDurableStateStoreOptions = {}) {
    const settings = checkOptions(database, options);
    this.#serialization = options.serialization ?? new Serialization();
    this.serialization = this.#serialization;
    this.#hooks = options.hooks;
    this.#connection = new StoreConnection(database, settings, this.#lifecycle);
  }

  /** Opens the file and applies migrations now, so a bad path fails at startup rather than at first use. */
  async ready(): Promise<void> {
    this.#connection.get('ready');
  }

  /** The current value and revision (`{ value: null, revision: 0 }` when never written). */
  async get(persistenceId: string): Promise<DurableStateRecord> {
    this.#lifecycle.assertOpen('get', persistenceId);
    validatePersistenceId(persistenceId);
    const connection = this.#connection.get('get', persistenceId);
    return measure(this.#hooks, { operation: 'state.get', store: NAME, persistenceId }, async () => {
      let row: [number, Uint8Array | null] | undefined;
      try {
        row = connection.rawStatement(selectState).get(persistenceId) as [number, Uint8Array | null] | undefined;
      } catch (error) {
        throw connection.failure(error, 'durableState.get', persistenceId);
      }
      if (!row) return { value: null, revision: 0 };
      const [revision, payload] = row;
      const value = decodeState(payload, persistenceId, revision, this.#serialization);
      return { value, revision };
    });
  }

  /** Stores `value` as `revision` (current + 1, else ConcurrencyError), checked in the same transaction. */
  async upsert(persistenceId: string, revision: number, value: unknown, tag?: string): Promise<void> {
    this.#lifecycle.assertOpen('upsert', persistenceId);
    const checked = validateStateChange(persistenceId, revision, tag);
    const payload = encodeState(value, persistenceId, checked, this.#serialization);
    await measure(this.#hooks, { operation: 'state.upsert', store: NAME, persistenceId, bytes: payload.length }, async () =>
      this.#change(persistenceId, checked, payload, tag, 'upsert'),
    );
  }

  /** Deletes the value as change `revision`; the row keeps the revision so it is never reused. */
  async delete(persistenceId: string, revision: number): Promise<void> {
    this.#lifecycle.assertOpen('delete', persistenceId);
    const checked = validateStateChange(persistenceId, revision);
    await measure(this.#hooks, { operation: 'state.delete', store: NAME, persistenceId }, async () =>
      this.#change(persistenceId, checked, null, undefined, 'delete'),
    );
  }

  #change(
    persistenceId: string,
    revision: number,
    payload: Uint8Array | null,
    tag: string | undefined,
    operation: 'upsert' | 'delete',
  ): void {
    const connection = this.#connection.get(operation, persistenceId);
    try {
      connection.immediate(() => {
        const row = connection.rawStatement(selectRevision).get(persistenceId) as [number, string | null] | undefined;
        const current = row?.[0] ?? 0;
        if (revision !== current + 1) throw revisionConflict(persistenceId, current, revision, operation, NAME);
        // A deletion keeps the tag, so tagged change queries see it.
        const storedTag = operation === 'delete' ? (row?.[1] ?? null) : (tag ?? null);
        connection.statement(upsertState).run(persistenceId, revision, payload, storedTag, Date.now());
      });
    } catch (error) {
      throw connection.failure(error, `durableState.${operation}`, persistenceId);
    }
  }

  /** Latest changes of ids tagged `tag` after `afterOrdering`; see QueryableDurableStateStore. */
  async readChangesByTag(tag: string, afterOrdering: number, limit: number): Promise<DurableStateChange[]> {
    this.#lifecycle.assertOpen('readChangesByTag');
    const { after, max } = validateOrderingRead(afterOrdering, limit, tag, { tagRequired: true, source: NAME });
    const connection = this.#connection.get('readChangesByTag');
    let rows: [string, number, Uint8Array | null, string, number, number][];
    try {
      rows = connection.rawStatement(selectChangesByTag).all(tag, after, max) as typeof rows;
    } catch (error) {
      throw connection.failure(error, 'durableState.readChangesByTag');
    }
    return rows.map(([persistenceId, revision, payload, storedTag, ordering, timestamp]) => ({
      persistenceId,
      revision,
      value: decodeState(payload, persistenceId, revision, this.#serialization),
      tag: storedTag,
      ordering,
      timestamp,
    }));
  }

  /** Ids with a stored state (deleted ones included), in byte order. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.#lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, NAME);
    const connection = this.#connection.get('listPersistenceIds');
    try {
      return (connection.rawStatement(selectStateIds).all(afterId ?? '', max) as [string][]).map(([id]) => id);
    } catch (error) {
      throw connection.failure(error, 'durableState.listPersistenceIds');
    }
  }

  /** The stored state with its tag and time; null when never written. */
  async readStored(persistenceId: string): Promise<StoredDurableState | null> {
    this.#lifecycle.assertOpen('readStored', persistenceId);
    validatePersistenceId(persistenceId);
    const connection = this.#connection.get('readStored', persistenceId);
    let row: [number, Uint8Array | null, string | null, number] | undefined;
    try {
      row = connection.rawStatement(selectStoredState).get(persistenceId) as typeof row;
    } catch (error) {
      throw connection.failure(error, 'durableState.readStored', persistenceId);
    }
    if (!row) return null;
    const [revision, payload, tag, timestamp] = row;
    const value = decodeState(payload, persistenceId, revision, this.#serialization);
    return { persistenceId, revision, value, tag: tag ?? undefined, timestamp };
  }

  /** Writes a whole state for an id never written here (else ConcurrencyError), checked in the same transaction. */
  async restore(state: StoredDurableState): Promise<void> {
    this.#lifecycle.assertOpen('restore', state?.persistenceId);
    const { revision, timestamp } = validateRestore(state);
    const { persistenceId } = state;
    const payload = state.value === null ? null : encodeState(state.value, persistenceId, revision, this.#serialization);
    const connection = this.#connection.get('restore', persistenceId);
    try {
      connection.immediate(() => {
        const row = connection.rawStatement(selectRevision).get(persistenceId) as [number, string | null] | undefined;
        if (row) throw restoreConflict(persistenceId, row[0], revision, NAME);
        connection.statement(upsertState).run(persistenceId, revision, payload, state.tag ?? null, timestamp);
      });
    } catch (error) {
      throw connection.failure(error, 'durableState.restore', persistenceId);
    }
  }

  /** Releases the connection (closed when no other store uses it). */
  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    this.#connection.release();
  }
}
