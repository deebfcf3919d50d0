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
import { type BatchRequest, ReadBatcher } from './read-batcher.js';
import {
  type CandidateBounds,
  deleteSnapshotsSql,
  restrictingBounds,
  type SnapshotRow,
  saveSnapshotSql,
  snapshotCandidatesBatchSql,
  snapshotCandidatesSql,
  snapshotCandidatesValues,
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

/** A load's first page of candidates: the id and its bounds. */
interface FirstPage extends BatchRequest, CandidateBounds {}

/**
 * Loads asked at the same moment (many entities recovering) share one statement for their
 * first page: statements in flight before loads queue, the most ids one carries, and the
 * largest snapshot such a statement carries (a larger one is fetched on its own, so that a
 * batch never moves many large snapshots at once).
 */
const FIRST_PAGE_BATCHING = { maxInFlight: 2, maxBatch: 100 };
const MAX_BATCHED_ROW_BYTES = 64 * 1024;

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
  /** First pages of concurrent loads; `undefined` for an id whose batched page left a payload out. */
  readonly #firstPages: ReadBatcher<FirstPage, SnapshotRow[] | undefined>;
  /** Load's page statement for each set of restricting bounds, built once. */
  readonly #candidatesSql: string[] = [];

  constructor(base: PostgresBase, loadPageSize: number, listPageSize: number) {
    this.#base = base;
    this.#loadPageSize = loadPageSize;
    this.#listPageSize = listPageSize;
    this.#firstPages = new ReadBatcher(base, 'snapshot.load', (requests) => this.#readFirstPages(requests), FIRST_PAGE_BATCHING);
  }

  /** One page query per id's bounds; a lone request runs the single-id query, without a size limit. */
  #readPage(page: FirstPage, read: (text: string, values: unknown[]) => Promise<SnapshotRow[]>): Promise<SnapshotRow[]> {
    const restricting = restrictingBounds(page);
    this.#candidatesSql[restricting] ??= snapshotCandidatesSql(this.#base.tables, restricting, this.#loadPageSize);
    return read(this.#candidatesSql[restricting], snapshotCandidatesValues(page.persistenceId, page, restricting));
  }

  async #readFirstPages(requests: readonly FirstPage[]): Promise<(SnapshotRow[] | undefined)[]> {
    const batcher = this.#firstPages;
    if (requests.length === 1) return [await this.#readPage(requests[0] as FirstPage, (text, values) => batcher.read(text, values))];
    const rows = await batcher.read<SnapshotRow & { i: string; bytes: string }>(snapshotCandidatesBatchSql(this.#base.tables), [
      requests.map((page) => page.persistenceId),
      requests.map((page) => page.min),
      requests.map((page) => page.max),
      requests.map((page) => page.minTime),
      requests.map((page) => page.maxTime),
      this.#loadPageSize,
      MAX_BATCHED_ROW_BYTES,
    ]);
    const pages: (SnapshotRow[] | undefined)[] = requests.map(() => []);
    for (const row of rows) {
      const at = Number(row.i) - 1;
      const page = pages[at];
      if (page === undefined) continue;
      // The payload column is NOT NULL: null here means the batch left a large row out.
      if (row.payload === null) pages[at] = undefined;
      else page.push(row);
    }
    return pages;
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
    const [min, , minTime, maxTime] = boundsOf(criteria) as [number, number, number, number];
    let max = criteria.maxSequenceNr;
    let first = true;
    while (max >= min) {
      const page: FirstPage = { persistenceId, min, max, minTime, maxTime };
      const read = (text: string, values: unknown[]) => this.#base.read<SnapshotRow>('snapshot.load', persistenceId, text, values);
      const batched = first ? await this.#firstPages.submit(page) : undefined;
      first = false;
      const rows = batched ?? (await this.#readPage(page, read));
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
