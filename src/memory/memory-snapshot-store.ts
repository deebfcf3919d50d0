/**
 * In-memory snapshot store: the reference implementation of the SnapshotStore SPI.
 * @module
 */

import { pageOfIds } from '../core/persistence-id.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { Serialization } from '../serialization/serialization.js';
import type { SnapshotCapabilities } from '../spi/capabilities.js';
import { GuardedSnapshotStore, type SnapshotStoreCore } from '../spi/guarded-snapshot-store.js';
import { decodeSnapshot, encodeSnapshot, loadYoungestReadable, type SkipReporting, type StoredSnapshot } from '../spi/snapshot-support.js';
import type { StoreOptions } from '../spi/store-options.js';

const NAME = 'memory';

/** Options of {@link MemorySnapshotStore}. */
export type MemorySnapshotStoreOptions = StoreOptions;

interface PreparedRow {
  readonly row: StoredSnapshot;
  readonly bytes: number;
}

/** The I/O of {@link MemorySnapshotStore}: snapshots in a map. */
class MemorySnapshotCore implements SnapshotStoreCore<PreparedRow> {
  /** Lists the ids it holds snapshots of. */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  /** Per id, ascending by sequence number. */
  readonly #snapshots = new Map<string, StoredSnapshot[]>();

  constructor(private readonly serialization: Serialization) {}

  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedRow {
    const row = encodeSnapshot(metadata, snapshot, this.serialization);
    return { row, bytes: row.payload.length };
  }

  /** Ids with at least one snapshot, ascending by code point. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    const held = [...this.#snapshots].filter(([, rows]) => rows.length > 0).map(([id]) => id);
    return pageOfIds(held, afterId, limit);
  }

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    const candidates = (this.#snapshots.get(persistenceId) ?? []).filter((row) => criteria.matches(row)).reverse();
    return loadYoungestReadable(candidates, async (row) => decodeSnapshot(row, this.serialization, NAME), reporting);
  }

  async save({ row }: PreparedRow): Promise<void> {
    const rows = this.#snapshots.get(row.persistenceId) ?? [];
    const kept = rows.filter((existing) => existing.sequenceNr !== row.sequenceNr);
    kept.push(row);
    kept.sort((a, b) => a.sequenceNr - b.sequenceNr);
    this.#snapshots.set(row.persistenceId, kept);
  }

  async delete(metadata: SnapshotMetadata): Promise<void> {
    const rows = this.#snapshots.get(metadata.persistenceId);
    if (rows)
      this.#snapshots.set(
        metadata.persistenceId,
        rows.filter((row) => row.sequenceNr !== metadata.sequenceNr),
      );
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    const rows = this.#snapshots.get(persistenceId);
    if (rows)
      this.#snapshots.set(
        persistenceId,
        rows.filter((row) => !criteria.matches(row)),
      );
  }

  async *list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    for (const row of [...(this.#snapshots.get(persistenceId) ?? [])]) {
      if (criteria.matches(row)) yield new SnapshotMetadata({ persistenceId, sequenceNr: row.sequenceNr, timestamp: row.timestamp });
    }
  }

  storedBytes(persistenceId: string, sequenceNr: number): Uint8Array | undefined {
    return this.#snapshots.get(persistenceId)?.find((row) => row.sequenceNr === sequenceNr)?.payload;
  }

  async close(): Promise<void> {}
}

/** A snapshot store held in process memory. */
export class MemorySnapshotStore extends GuardedSnapshotStore<PreparedRow> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #core: MemorySnapshotCore;

  constructor(options: MemorySnapshotStoreOptions = {}) {
    const serialization = options.serialization ?? new Serialization();
    const core = new MemorySnapshotCore(serialization);
    super(core, { source: NAME, logger: options.logger, hooks: options.hooks });
    this.serialization = serialization;
    this.#core = core;
  }

  /**
   * The stored envelope of one snapshot, by reference: for tools and fault tests.
   * Changing its bytes damages the stored snapshot, as a disk error would.
   */
  storedBytes(persistenceId: string, sequenceNr: number): Uint8Array | undefined {
    return this.#core.storedBytes(persistenceId, sequenceNr);
  }
}
