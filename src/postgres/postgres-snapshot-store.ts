/**
 * PostgreSQL snapshot store. `load` walks matching snapshots newest first in small pages
 * and returns the first that reads, skipping damaged ones (loadYoungestReadable).
 * @module
 */

import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { validateInteger } from '../core/validation.js';
import { measure } from '../observability/hooks.js';
import type { Serialization } from '../serialization/serialization.js';
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
import { StoreLifecycle } from '../spi/store-options.js';
import { NAME } from './errors.js';
import type { MigrateResult } from './migrate.js';
import {
  deleteSnapshotsSql,
  type SnapshotRow,
  saveSnapshotSql,
  snapshotCandidatesSql,
  snapshotIdsSql,
  snapshotKeysSql,
} from './schema/snapshots/index.js';
import { PostgresBase, type PostgresOptions } from './store-base.js';

/** Options of {@link PostgresSnapshotStore}. */
export type PostgresSnapshotStoreOptions = PostgresOptions & {
  /**
   * Candidates fetched per query while looking for a readable snapshot. One, because each
   * carries its payload: the youngest almost always reads, and fetching more would move
   * several large snapshots to read one. @default 1
   */
  readonly loadPageSize?: number;
  /** Metadata rows fetched per query by `list` and `deleteMatching`. @default 1000 */
  readonly listPageSize?: number;
};

const boundsOf = (criteria: SnapshotSelectionCriteria) => [
  criteria.minSequenceNr,
  criteria.maxSequenceNr,
  criteria.minTimestamp,
  criteria.maxTimestamp,
];

/** Snapshots in a PostgreSQL table (see docs/postgres.md for the schema). */
export class PostgresSnapshotStore implements ListableSnapshotStore {
  /** Lists the ids it holds snapshots of. */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  readonly #base: PostgresBase;
  readonly #lifecycle = new StoreLifecycle(NAME, 'snapshotStore');
  readonly #loadPageSize: number;
  readonly #listPageSize: number;

  /** How this store turns values into stored bytes (its encryption included). */
  get serialization(): Serialization {
    return this.#base.serialization;
  }

  constructor(options: PostgresSnapshotStoreOptions) {
    this.#base = new PostgresBase(options);
    this.#loadPageSize = validateInteger(options.loadPageSize ?? 1, 'loadPageSize', { source: NAME }, { min: 1 });
    this.#listPageSize = validateInteger(options.listPageSize ?? 1000, 'listPageSize', { source: NAME }, { min: 1 });
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.#base.schema;
  }

  /** Creates or upgrades the tables (idempotent, safe from several processes at once). */
  migrate(): Promise<MigrateResult> {
    return this.#base.migrate();
  }

  /** The youngest matching snapshot that reads, skipping damaged ones. */
  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, options?: SnapshotLoadOptions): Promise<SelectedSnapshot | null> {
    this.#lifecycle.assertOpen('load', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    return measure(this.#base.hooks, { operation: 'snapshot.load', store: NAME, persistenceId }, () =>
      loadYoungestReadable(this.#candidates(persistenceId, checked), async (row) => decodeSnapshot(row, this.#base.serialization, NAME), {
        source: NAME,
        logger: this.#base.logger,
        hooks: this.#base.hooks,
        options,
      }),
    );
  }

  /** Matching snapshots newest first, `loadPageSize` per query: usually the first one reads. */
  async *#candidates(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<StoredSnapshot> {
    const sql = snapshotCandidatesSql(this.#base.tables);
    const [min, , minTime, maxTime] = boundsOf(criteria) as [number, number, number, number];
    let max = criteria.maxSequenceNr;
    while (max >= min) {
      const rows = await this.#base.read<SnapshotRow>('snapshot.load', persistenceId, sql, [
        persistenceId,
        min,
        max,
        minTime,
        maxTime,
        this.#loadPageSize,
      ]);
      for (const row of rows) {
        const stored: StoredSnapshot = {
          persistenceId,
          sequenceNr: Number(row.sequence_nr),
          timestamp: Number(row.timestamp_ms),
          payload: row.payload as Buffer,
          metadata: row.metadata ?? undefined,
        };
        if (criteria.matches(stored)) yield stored;
      }
      const last = rows[rows.length - 1];
      if (rows.length < this.#loadPageSize || !last) return;
      max = Number(last.sequence_nr) - 1;
    }
  }

  /** Saves a snapshot, replacing one at the same sequence number. */
  async save(metadata: SnapshotMetadata, snapshot: unknown): Promise<void> {
    this.#lifecycle.assertOpen('save', metadata?.persistenceId);
    const row = encodeSnapshot(metadata, snapshot, this.#base.serialization);
    // Saving replaces any snapshot at the same key, so repeating it after a lost connection is safe.
    await measure(
      this.#base.hooks,
      { operation: 'snapshot.save', store: NAME, persistenceId: row.persistenceId, bytes: row.payload.length },
      () =>
        this.#base.read('snapshot.save', row.persistenceId, saveSnapshotSql(this.#base.tables), [
          row.persistenceId,
          row.sequenceNr,
          row.timestamp,
          row.payload,
          row.metadata ?? null,
        ]),
    );
  }

  /** Deletes the snapshot at `metadata.sequenceNr`. */
  async delete(metadata: SnapshotMetadata): Promise<void> {
    this.#lifecycle.assertOpen('delete', metadata?.persistenceId);
    const checked = validateSnapshotMetadata(metadata);
    await measure(this.#base.hooks, { operation: 'snapshot.delete', store: NAME, persistenceId: checked.persistenceId }, () =>
      this.#base.read('snapshot.delete', checked.persistenceId, deleteSnapshotsSql(this.#base.tables), [
        checked.persistenceId,
        [checked.sequenceNr],
      ]),
    );
  }

  /** Deletes every snapshot of the id matching the criteria. */
  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    this.#lifecycle.assertOpen('deleteMatching', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    await measure(this.#base.hooks, { operation: 'snapshot.deleteMatching', store: NAME, persistenceId }, async () => {
      const sql = deleteSnapshotsSql(this.#base.tables);
      let batch: number[] = [];
      for await (const key of this.#keys(persistenceId, checked)) {
        batch.push(key.sequenceNr);
        if (batch.length >= this.#listPageSize) {
          await this.#base.read('snapshot.deleteMatching', persistenceId, sql, [persistenceId, batch]);
          batch = [];
        }
      }
      if (batch.length > 0) await this.#base.read('snapshot.deleteMatching', persistenceId, sql, [persistenceId, batch]);
    });
  }

  /** Metadata of the matching snapshots, oldest first, paged. */
  async *list(persistenceId: string, criteria?: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    this.#lifecycle.assertOpen('list', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    for await (const key of this.#keys(persistenceId, checked)) {
      yield new SnapshotMetadata({ persistenceId, sequenceNr: key.sequenceNr, timestamp: key.timestamp });
    }
  }

  /** Matching snapshot keys oldest first, paged by keyset. */
  async *#keys(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<{ sequenceNr: number; timestamp: number }> {
    const sql = snapshotKeysSql(this.#base.tables);
    const [, max, minTime, maxTime] = boundsOf(criteria) as [number, number, number, number];
    let min = criteria.minSequenceNr;
    while (min <= max) {
      const rows = await this.#base.read<SnapshotRow>('snapshot.list', persistenceId, sql, [
        persistenceId,
        min,
        max,
        minTime,
        maxTime,
        this.#listPageSize,
      ]);
      for (const row of rows) {
        const key = { sequenceNr: Number(row.sequence_nr), timestamp: Number(row.timestamp_ms) };
        if (criteria.matches(key)) yield key;
      }
      const last = rows[rows.length - 1];
      if (rows.length < this.#listPageSize || !last) return;
      min = Number(last.sequence_nr) + 1;
    }
  }

  /** Ends the pool if the store built it. Idempotent. */
  /** Ids with at least one snapshot, in byte order. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.#lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, NAME);
    const rows = await this.#base.read<{ persistence_id: string }>(
      'snapshot.listPersistenceIds',
      undefined,
      snapshotIdsSql(this.#base.tables),
      [afterId ?? '', max],
    );
    return rows.map((row) => row.persistence_id);
  }

  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    await this.#base.release();
  }
}
