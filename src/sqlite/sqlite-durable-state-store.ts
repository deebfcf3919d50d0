/**
 * The SQLite durable state store: one row per persistence id; the revision check and the
 * change run in one write transaction, so two processes cannot both take a revision.
 * @module
 */
import type { Serialization } from '../serialization/serialization.js';
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
import { ChangeListeners } from '../spi/queryable-journal.js';
import { NAME, type SqliteDurableStateStoreOptions, type SqliteTarget } from './options.js';
import {
  selectChangesByTag,
  selectRevision,
  selectState,
  selectStateIds,
  selectStoredState,
  upsertState,
} from './sql/durable-state-sql.js';
import { type StoreConnection, storeParts } from './store-connection.js';

/** The I/O of {@link SqliteDurableStateStore}. */
class SqliteDurableStateCore implements DurableStateStoreCore<EncodedState> {
  /** ChangesByTag queries (live ones woken by this store object's own changes), listing and whole-state transfer. */
  readonly capabilities: DurableStateCapabilities = { queries: true, live: true, transfer: true };
  readonly #listeners = new ChangeListeners();

  constructor(
    readonly connection: StoreConnection,
    private readonly serialization: Serialization,
  ) {}

  async get(persistenceId: string): Promise<DurableStateRecord> {
    const connection = this.connection.get('get', persistenceId);
    let row: [number, Uint8Array | null] | undefined;
    try {
      row = connection.rawStatement(selectState).get(persistenceId) as [number, Uint8Array | null] | undefined;
    } catch (error) {
      throw connection.failure(error, 'durableState.get', persistenceId);
    }
    if (!row) return { value: null, revision: 0 };
    const [revision, payload] = row;
    const value = decodeState(payload, persistenceId, revision, this.serialization);
    return { value, revision };
  }

  prepareUpsert(persistenceId: string, revision: number, value: unknown): EncodedState {
    return prepareState(value, persistenceId, revision, this.serialization);
  }

  /** Checked in the same transaction. */
  async upsert({ payload }: EncodedState, persistenceId: string, revision: number, tag: string | undefined): Promise<void> {
    this.#change(persistenceId, revision, payload, tag, 'upsert');
  }

  /** The row keeps the revision so it is never reused. */
  async delete(persistenceId: string, revision: number): Promise<void> {
    this.#change(persistenceId, revision, null, undefined, 'delete');
  }

  #change(
    persistenceId: string,
    revision: number,
    payload: Uint8Array | null,
    tag: string | undefined,
    operation: 'upsert' | 'delete',
  ): void {
    const connection = this.connection.get(operation, persistenceId);
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
    this.#listeners.notify(0);
  }

  async readChangesByTag(tag: string, after: number, max: number): Promise<DurableStateChange[]> {
    const connection = this.connection.get('readChangesByTag');
    let rows: [string, number, Uint8Array | null, string, number, number][];
    try {
      rows = connection.rawStatement(selectChangesByTag).all(tag, after, max) as typeof rows;
    } catch (error) {
      throw connection.failure(error, 'durableState.readChangesByTag');
    }
    return rows.map(([persistenceId, revision, payload, storedTag, ordering, timestamp]) => ({
      persistenceId,
      revision,
      value: decodeState(payload, persistenceId, revision, this.serialization),
      tag: storedTag,
      ordering,
      timestamp,
    }));
  }

  /** Ids with a stored state (deleted ones included), in byte order. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    const connection = this.connection.get('listPersistenceIds');
    try {
      return (connection.rawStatement(selectStateIds).all(afterId ?? '', limit) as [string][]).map(([id]) => id);
    } catch (error) {
      throw connection.failure(error, 'durableState.listPersistenceIds');
    }
  }

  /** The stored state with its tag and time; null when never written. */
  async readStored(persistenceId: string): Promise<StoredDurableState | null> {
    const connection = this.connection.get('readStored', persistenceId);
    let row: [number, Uint8Array | null, string | null, number] | undefined;
    try {
      row = connection.rawStatement(selectStoredState).get(persistenceId) as typeof row;
    } catch (error) {
      throw connection.failure(error, 'durableState.readStored', persistenceId);
    }
    if (!row) return null;
    const [revision, payload, tag, timestamp] = row;
    const value = decodeState(payload, persistenceId, revision, this.serialization);
    return { persistenceId, revision, value, tag: tag ?? undefined, timestamp };
  }

  /** Writes a whole state for an id never written here (else ConcurrencyError), checked in the same transaction. */
  async restore(state: StoredDurableState, revision: number, timestamp: number): Promise<void> {
    const { persistenceId } = state;
    const payload = state.value === null ? null : encodeState(state.value, persistenceId, revision, this.serialization);
    const connection = this.connection.get('restore', persistenceId);
    try {
      connection.immediate(() => {
        const row = connection.rawStatement(selectRevision).get(persistenceId) as [number, string | null] | undefined;
        if (row) throw restoreConflict(persistenceId, row[0], revision, NAME);
        connection.statement(upsertState).run(persistenceId, revision, payload, state.tag ?? null, timestamp);
      });
    } catch (error) {
      throw connection.failure(error, 'durableState.restore', persistenceId);
    }
    this.#listeners.notify(0);
  }

  /**
   * Tells `listener` after this store object's changes commit. Changes by other processes
   * (or other store objects on the file) are not seen here; live queries poll for those.
   */
  async subscribe(listener: (notification: { readonly ordering: number }) => void): Promise<{ close(): Promise<void> }> {
    return this.#listeners.add(listener);
  }

  /** Releases the connection (closed when no other store uses it). */
  async close(): Promise<void> {
    this.#listeners.clear();
    this.connection.release();
  }
}

/** A durable state store in an SQLite file (or an open better-sqlite3 Database). */
export class SqliteDurableStateStore extends GuardedDurableStateStore<EncodedState> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #connection: StoreConnection;

  constructor(database: SqliteTarget, options: SqliteDurableStateStoreOptions = {}) {
    const { lifecycle, connection, serialization } = storeParts(database, options, 'durableStateStore');
    super(new SqliteDurableStateCore(connection, serialization), {
      source: NAME,
      hooks: options.hooks,
      lifecycle,
    });
    this.#connection = connection;
    this.serialization = serialization;
  }

  /** Opens the file and applies migrations now, so a bad path fails at startup rather than at first use. */
  async ready(): Promise<void> {
    this.#connection.get('ready');
  }
}
