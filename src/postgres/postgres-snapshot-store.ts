/**
 * PostgreSQL snapshot store. `load` walks matching snapshots newest first in small pages
 * and returns the first that reads, skipping damaged ones (skipUnreadable).
 * @module
 */

import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { validateInteger } from '../core/validation.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { GuardedSnapshotStore, type SnapshotStoreCore } from '../spi/guarded-snapshot-store.js';
import type { SnapshotSizeOptions } from '../spi/snapshot-support.js';
import { decodeSnapshot, encodeSnapshot, type SkipReporting, type StoredSnapshot, skipUnreadable } from '../spi/snapshot-support.js';
import { NAME } from './errors.js';
import { attachBase, withPostgresBase } from './postgres-store.js';
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
export type PostgresSnapshotStoreOptions = PostgresOptions &
  SnapshotSizeOptions & {
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

interface PreparedRow {
  readonly row: StoredSnapshot;
  readonly bytes: number;
}

/** The I/O of {@link PostgresSnapshotStore}. */
class PostgresSnapshotCore implements SnapshotStoreCore<PreparedRow> {
  /** Lists the ids it holds snapshots of. */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  readonly #base: PostgresBase;
  readonly #loadPageSize: number;
  readonly #listPageSize: number;

  constructor(base: PostgresBase, loadPageSize: number, listPageSize: number) {
    this.#base = base;
    this.#loadPageSize = loadPageSize;
    this.#listPageSize = listPageSize;
  }

  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedRow {
    const row = encodeSnapshot(metadata, snapshot, this.#base.serialization);
    return { row, bytes: row.payload.length };
  }

  /**
   * Matching snapshots newest first, `loadPageSize` per query, decoded as they come: usually
   * the first one reads. A plain loop rather than a generator feeding loadYoungestReadable,
   * whose promises are a visible share of a small snapshot's load.
   */
  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
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
        if (!criteria.matches(stored)) continue;
        try {
          return decodeSnapshot(stored, this.#base.serialization, NAME);
        } catch (error) {
          skipUnreadable(stored, error, reporting);
        }
      }
      const last = rows[rows.length - 1];
      if (rows.length < this.#loadPageSize || !last) return null;
      max = Number(last.sequence_nr) - 1;
    }
    return null;
  }

  async save({ row }: PreparedRow): Promise<void> {
    // Saving replaces any snapshot at the same key, so repeating it after a lost connection is safe.
    await this.#base.read('snapshot.save', row.persistenceId, saveSnapshotSql(this.#base.tables), [
      row.persistenceId,
      row.sequenceNr,
      row.timestamp,
      row.payload,
      row.metadata ?? null,
    ]);
  }

  async delete({ persistenceId, sequenceNr }: SnapshotMetadata): Promise<void> {
    await this.#base.read('snapshot.delete', persistenceId, deleteSnapshotsSql(this.#base.tables), [persistenceId, [sequenceNr]]);
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    const sql = deleteSnapshotsSql(this.#base.tables);
    let batch: number[] = [];
    for await (const key of this.#keys(persistenceId, criteria)) {
      batch.push(key.sequenceNr);
      if (batch.length >= this.#listPageSize) {
        await this.#base.read('snapshot.deleteMatching', persistenceId, sql, [persistenceId, batch]);
        batch = [];
      }
    }
    if (batch.length > 0) await this.#base.read('snapshot.deleteMatching', persistenceId, sql, [persistenceId, batch]);
  }

  async *list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    for await (const key of this.#keys(persistenceId, criteria)) {
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

  /** Ids with at least one snapshot, in byte order. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.#base.read<{ persistence_id: string }>(
      'snapshot.listPersistenceIds',
      undefined,
      snapshotIdsSql(this.#base.tables),
      [afterId ?? '', limit],
    );
    return rows.map((row) => row.persistence_id);
  }

  /** Ends the pool if the store built it. */
  async close(): Promise<void> {
    await this.#base.release();
  }
}

/** Snapshots in a PostgreSQL table (see docs/postgres.md for the schema). */
export class PostgresSnapshotStore extends withPostgresBase(GuardedSnapshotStore<PreparedRow>) {
  constructor(options: PostgresSnapshotStoreOptions) {
    const base = new PostgresBase(options);
    const loadPageSize = validateInteger(options.loadPageSize ?? 1, 'loadPageSize', { source: NAME }, { min: 1 });
    const listPageSize = validateInteger(options.listPageSize ?? 1000, 'listPageSize', { source: NAME }, { min: 1 });
    super(new PostgresSnapshotCore(base, loadPageSize, listPageSize), {
      source: NAME,
      logger: base.logger,
      hooks: base.hooks,
      maxSnapshotBytes: options.maxSnapshotBytes,
    });
    attachBase(this, base);
  }
}
