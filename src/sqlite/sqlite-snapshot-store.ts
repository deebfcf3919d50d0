/**
 * The SQLite snapshot store: one row per (persistence id, sequence number), loaded
 * youngest-first one row at a time so a damaged snapshot costs one extra index seek.
 * @module
 */
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { measure } from '../observability/hooks.js';
import { type Logger, resolveLogger } from '../observability/logger.js';
import { Serialization } from '../serialization/serialization.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { validateIdListing } from '../spi/queryable-journal.js';
import type { ListableSnapshotStore, SnapshotLoadOptions } from '../spi/snapshot-store.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  loadYoungestReadable,
  type StoredSnapshot,
  validateSnapshotMetadata,
  validateSnapshotQuery,
} from '../spi/snapshot-support.js';
import { StoreLifecycle, type StoreOptions } from '../spi/store-options.js';
import { checkOptions, checkPageSize, NAME, type SqliteSnapshotStoreOptions, type SqliteTarget } from './options.js';
import { deleteSnapshot, selectKeys, selectMetadataPage, selectSnapshotIds, selectYoungest, upsertSnapshot } from './sql/snapshot-sql.js';
import { StoreConnection } from './store-connection.js';

type SnapshotRow = [number, number, Uint8Array, Uint8Array | null];
type KeyRow = [number, number];

/** A snapshot store in an SQLite file (or an open better-sqlite3 Database). */
export class SqliteSnapshotStore implements ListableSnapshotStore {
  /** Lists the ids it holds snapshots of. */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  readonly #serialization: Serialization;
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #logger: Logger;
  readonly #hooks: StoreOptions['hooks'];
  readonly #pageSize: number;
  readonly #lifecycle = new StoreLifecycle(NAME, 'snapshotStore');
  readonly #connection: StoreConnection;

  constructor(database: SqliteTarget, options: SqliteSnapshotStoreOptions = {}) {
    const settings = checkOptions(database, options);
    this.#pageSize = checkPageSize(options.listPageSize, 'options.listPageSize', 1000);
    this.#serialization = options.serialization ?? new Serialization();
    this.serialization = this.#serialization;
    this.#logger = resolveLogger(options.logger);
    this.#hooks = options.hooks;
    this.#connection = new StoreConnection(database, settings, this.#lifecycle);
  }

  /** Opens the file and applies migrations now, so a bad path fails at startup rather than at first use. */
  async ready(): Promise<void> {
    this.#connection.get('ready');
  }

  /** The youngest readable matching snapshot; unreadable ones are skipped and reported. */
  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, options?: SnapshotLoadOptions): Promise<SelectedSnapshot | null> {
    this.#lifecycle.assertOpen('load', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    return measure(this.#hooks, { operation: 'snapshot.load', store: NAME, persistenceId }, () =>
      loadYoungestReadable(this.#candidates(persistenceId, checked), async (row) => decodeSnapshot(row, this.#serialization, NAME), {
        source: NAME,
        logger: this.#logger,
        hooks: this.#hooks,
        options,
      }),
    );
  }

  /** Matching rows newest first, fetched one at a time: most loads read only the first. */
  async *#candidates(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<StoredSnapshot> {
    let below = criteria.maxSequenceNr;
    while (below >= criteria.minSequenceNr) {
      const connection = this.#connection.get('load', persistenceId);
      let row: SnapshotRow | undefined;
      try {
        row = connection
          .rawStatement(selectYoungest)
          .get(persistenceId, below, criteria.minSequenceNr, criteria.maxTimestamp, criteria.minTimestamp) as SnapshotRow | undefined;
      } catch (error) {
        throw connection.failure(error, 'snapshot.load', persistenceId);
      }
      if (!row) return;
      const [sequenceNr, timestamp, payload, metadata] = row;
      if (criteria.matches({ sequenceNr, timestamp })) {
        yield { persistenceId, sequenceNr, timestamp, payload, metadata: metadata ?? undefined };
      }
      below = sequenceNr - 1;
    }
  }

  /** Saves or replaces the snapshot at (persistence id, sequence number). */
  async save(metadata: SnapshotMetadata, snapshot: unknown): Promise<void> {
    this.#lifecycle.assertOpen('save', metadata?.persistenceId);
    const row = encodeSnapshot(metadata, snapshot, this.#serialization);
    const connection = this.#connection.get('save', row.persistenceId);
    await measure(
      this.#hooks,
      { operation: 'snapshot.save', store: NAME, persistenceId: row.persistenceId, bytes: row.payload.length },
      async () => {
        try {
          connection.statement(upsertSnapshot).run(row.persistenceId, row.sequenceNr, row.timestamp, row.payload, row.metadata ?? null);
        } catch (error) {
          throw connection.failure(error, 'snapshot.save', row.persistenceId);
        }
      },
    );
  }

  /** Deletes the snapshot at `metadata.sequenceNr`. */
  async delete(metadata: SnapshotMetadata): Promise<void> {
    this.#lifecycle.assertOpen('delete', metadata?.persistenceId);
    const checked = validateSnapshotMetadata(metadata);
    const connection = this.#connection.get('delete', checked.persistenceId);
    await measure(this.#hooks, { operation: 'snapshot.delete', store: NAME, persistenceId: checked.persistenceId }, async () => {
      try {
        connection.statement(deleteSnapshot).run(checked.persistenceId, checked.sequenceNr);
      } catch (error) {
        throw connection.failure(error, 'snapshot.delete', checked.persistenceId);
      }
    });
  }

  /** Deletes every matching snapshot of the id in one transaction. */
  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    this.#lifecycle.assertOpen('deleteMatching', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    const connection = this.#connection.get('deleteMatching', persistenceId);
    await measure(this.#hooks, { operation: 'snapshot.deleteMatching', store: NAME, persistenceId }, async () => {
      try {
        connection.immediate(() => {
          const keys = connection
            .rawStatement(selectKeys)
            .all(persistenceId, checked.minSequenceNr, checked.maxSequenceNr, checked.minTimestamp, checked.maxTimestamp) as KeyRow[];
          for (const [sequenceNr, timestamp] of keys) {
            if (checked.matches({ sequenceNr, timestamp })) connection.statement(deleteSnapshot).run(persistenceId, sequenceNr);
          }
        });
      } catch (error) {
        throw connection.failure(error, 'snapshot.deleteMatching', persistenceId);
      }
    });
  }

  /** Metadata of matching snapshots, oldest first, in pages of `listPageSize`. */
  async *list(persistenceId: string, criteria?: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    this.#lifecycle.assertOpen('list', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    let from = checked.minSequenceNr;
    while (from <= checked.maxSequenceNr) {
      const connection = this.#connection.get('list', persistenceId);
      let rows: KeyRow[];
      try {
        rows = connection
          .rawStatement(selectMetadataPage)
          .all(persistenceId, from, checked.maxSequenceNr, checked.minTimestamp, checked.maxTimestamp, this.#pageSize) as KeyRow[];
      } catch (error) {
        throw connection.failure(error, 'snapshot.list', persistenceId);
      }
      for (const [sequenceNr, timestamp] of rows) {
        if (checked.matches({ sequenceNr, timestamp })) yield new SnapshotMetadata({ persistenceId, sequenceNr, timestamp });
      }
      if (rows.length < this.#pageSize) return;
      from = (rows[rows.length - 1] as KeyRow)[0] + 1;
    }
  }

  /** Releases the connection (closed when no other store uses it). */
  /** Ids with at least one snapshot, in byte order. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.#lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, NAME);
    const connection = this.#connection.get('listPersistenceIds');
    try {
      return (connection.rawStatement(selectSnapshotIds).all(afterId ?? '', max) as [string][]).map(([id]) => id);
    } catch (error) {
      throw connection.failure(error, 'snapshot.listPersistenceIds');
    }
  }

  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    this.#connection.release();
  }
}
