/**
 * The SQLite snapshot store: one row per (persistence id, sequence number), loaded
 * youngest-first one row at a time so a damaged snapshot costs one extra index seek.
 * @module
 */
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import type { Serialization } from '../serialization/serialization.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { GuardedSnapshotStore, type SnapshotStoreCore } from '../spi/guarded-snapshot-store.js';
import { decodeSnapshot, encodeSnapshot, type SkipReporting, type StoredSnapshot, skipUnreadable } from '../spi/snapshot-support.js';
import type { SqliteStatement } from './client.js';
import type { SqliteConnection } from './connection.js';
import { checkPageSize, NAME, type SqliteSnapshotStoreOptions, type SqliteTarget } from './options.js';
import { deleteSnapshot, selectKeys, selectMetadataPage, selectSnapshotIds, selectYoungest, upsertSnapshot } from './sql/snapshot-sql.js';
import { type StoreConnection, storeParts } from './store-connection.js';

type SnapshotRow = [number, number, Uint8Array, Uint8Array | null];
type KeyRow = [number, number];

/** The connection extension holding the load statement. */
const YOUNGEST = 'snapshot.selectYoungest';

interface PreparedRow {
  readonly row: StoredSnapshot;
  readonly bytes: number;
}

/** The I/O of {@link SqliteSnapshotStore}. */
class SqliteSnapshotCore implements SnapshotStoreCore<PreparedRow> {
  /** Lists the ids it holds snapshots of. */
  readonly capabilities: SnapshotCapabilities = { listing: true };

  #youngest: { readonly connection: SqliteConnection; readonly statement: SqliteStatement } | undefined;

  constructor(
    readonly connection: StoreConnection,
    private readonly serialization: Serialization,
    private readonly pageSize: number,
  ) {}

  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedRow {
    const row = encodeSnapshot(metadata, snapshot, this.serialization);
    return { row, bytes: row.payload.length };
  }

  /**
   * Matching rows newest first, one query each, decoded as they come: most loads read only
   * the first. A plain loop, not a generator: the row is synchronous, and the generator's
   * promises cost more than decoding a small snapshot.
   */
  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    let below = criteria.maxSequenceNr;
    while (below >= criteria.minSequenceNr) {
      // Per row: a hook called for a skipped snapshot may have closed the store.
      const connection = this.connection.get('load', persistenceId);
      let row: SnapshotRow | undefined;
      try {
        row = this.#selectYoungest(connection).get(
          persistenceId,
          below,
          criteria.minSequenceNr,
          criteria.maxTimestamp,
          criteria.minTimestamp,
        ) as SnapshotRow | undefined;
      } catch (error) {
        throw connection.failure(error, 'snapshot.load', persistenceId);
      }
      if (!row) return null;
      const [sequenceNr, timestamp, payload, metadata] = row;
      below = sequenceNr - 1;
      if (!criteria.matches({ sequenceNr, timestamp })) continue;
      const stored: StoredSnapshot = { persistenceId, sequenceNr, timestamp, payload, metadata: metadata ?? undefined };
      try {
        return decodeSnapshot(stored, this.serialization, NAME);
      } catch (error) {
        skipUnreadable(stored, error, reporting);
      }
    }
    return null;
  }

  /**
   * The load statement of `connection`, kept on the connection too: a new store object on an
   * open file (a restart of the store, not of the process) then skips the statement cache's
   * key building and hashing, a share of its first load.
   */
  #selectYoungest(connection: SqliteConnection): SqliteStatement {
    if (this.#youngest?.connection !== connection) {
      const statement = connection.extension(YOUNGEST, () => connection.rawStatement(selectYoungest));
      this.#youngest = { connection, statement };
    }
    return this.#youngest.statement;
  }

  async save({ row }: PreparedRow): Promise<void> {
    const connection = this.connection.get('save', row.persistenceId);
    try {
      connection.statement(upsertSnapshot).run(row.persistenceId, row.sequenceNr, row.timestamp, row.payload, row.metadata ?? null);
    } catch (error) {
      throw connection.failure(error, 'snapshot.save', row.persistenceId);
    }
  }

  async delete({ persistenceId, sequenceNr }: SnapshotMetadata): Promise<void> {
    const connection = this.connection.get('delete', persistenceId);
    try {
      connection.statement(deleteSnapshot).run(persistenceId, sequenceNr);
    } catch (error) {
      throw connection.failure(error, 'snapshot.delete', persistenceId);
    }
  }

  /** In one transaction. */
  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    const connection = this.connection.get('deleteMatching', persistenceId);
    try {
      connection.immediate(() => {
        const keys = connection
          .rawStatement(selectKeys)
          .all(persistenceId, criteria.minSequenceNr, criteria.maxSequenceNr, criteria.minTimestamp, criteria.maxTimestamp) as KeyRow[];
        for (const [sequenceNr, timestamp] of keys) {
          if (criteria.matches({ sequenceNr, timestamp })) connection.statement(deleteSnapshot).run(persistenceId, sequenceNr);
        }
      });
    } catch (error) {
      throw connection.failure(error, 'snapshot.deleteMatching', persistenceId);
    }
  }

  /** In pages of `listPageSize`. */
  async *list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    let from = criteria.minSequenceNr;
    while (from <= criteria.maxSequenceNr) {
      const connection = this.connection.get('list', persistenceId);
      let rows: KeyRow[];
      try {
        rows = connection
          .rawStatement(selectMetadataPage)
          .all(persistenceId, from, criteria.maxSequenceNr, criteria.minTimestamp, criteria.maxTimestamp, this.pageSize) as KeyRow[];
      } catch (error) {
        throw connection.failure(error, 'snapshot.list', persistenceId);
      }
      for (const [sequenceNr, timestamp] of rows) {
        if (criteria.matches({ sequenceNr, timestamp })) yield new SnapshotMetadata({ persistenceId, sequenceNr, timestamp });
      }
      if (rows.length < this.pageSize) return;
      from = (rows[rows.length - 1] as KeyRow)[0] + 1;
    }
  }

  /** Ids with at least one snapshot, in byte order. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    const connection = this.connection.get('listPersistenceIds');
    try {
      return (connection.rawStatement(selectSnapshotIds).all(afterId ?? '', limit) as [string][]).map(([id]) => id);
    } catch (error) {
      throw connection.failure(error, 'snapshot.listPersistenceIds');
    }
  }

  /** Releases the connection (closed when no other store uses it). */
  async close(): Promise<void> {
    this.connection.release();
  }
}

/** A snapshot store in an SQLite file (or an open better-sqlite3 Database). */
export class SqliteSnapshotStore extends GuardedSnapshotStore<PreparedRow> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #connection: StoreConnection;

  constructor(database: SqliteTarget, options: SqliteSnapshotStoreOptions = {}) {
    const { lifecycle, connection, serialization } = storeParts(database, options, 'snapshotStore');
    const pageSize = checkPageSize(options.listPageSize, 'options.listPageSize', 1000);
    super(new SqliteSnapshotCore(connection, serialization, pageSize), {
      source: NAME,
      logger: options.logger,
      hooks: options.hooks,
      lifecycle,
      maxSnapshotBytes: options.maxSnapshotBytes,
    });
    this.#connection = connection;
    this.serialization = serialization;
  }

  /** Opens the file and applies migrations now, so a bad path fails at startup rather than at first use. */
  async ready(): Promise<void> {
    this.#connection.get('ready');
  }
}
