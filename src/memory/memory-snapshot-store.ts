/**
 * In-memory snapshot store: the reference implementation of the SnapshotStore SPI.
 * @module
 */

import { pageOfIds } from '../core/persistence-id.js';
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

const NAME = 'memory';

/** Options of {@link MemorySnapshotStore}. */
export type MemorySnapshotStoreOptions = StoreOptions;

/** A snapshot store held in process memory. */
export class MemorySnapshotStore implements ListableSnapshotStore {
  /** Lists the ids it holds snapshots of. */
  readonly capabilities: SnapshotCapabilities = { listing: true };
  /** Per id, ascending by sequence number. */
  readonly #snapshots = new Map<string, StoredSnapshot[]>();
  readonly #serialization: Serialization;
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #logger: Logger;
  readonly #hooks: StoreOptions['hooks'];
  readonly #lifecycle = new StoreLifecycle(NAME, 'snapshotStore');

  constructor(options: MemorySnapshotStoreOptions = {}) {
    this.#serialization = options.serialization ?? new Serialization();
    this.serialization = this.#serialization;
    this.#logger = resolveLogger(options.logger);
    this.#hooks = options.hooks;
  }

  /** Ids with at least one snapshot, ascending by code point. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.#lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, NAME);
    const held = [...this.#snapshots].filter(([, rows]) => rows.length > 0).map(([id]) => id);
    return pageOfIds(held, afterId, max);
  }

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, options?: SnapshotLoadOptions): Promise<SelectedSnapshot | null> {
    this.#lifecycle.assertOpen('load', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    return measure(this.#hooks, { operation: 'snapshot.load', store: NAME, persistenceId }, () => {
      const candidates = (this.#snapshots.get(persistenceId) ?? []).filter((row) => checked.matches(row)).reverse();
      return loadYoungestReadable(candidates, async (row) => decodeSnapshot(row, this.#serialization, NAME), {
        source: NAME,
        logger: this.#logger,
        hooks: this.#hooks,
        options,
      });
    });
  }

  async save(metadata: SnapshotMetadata, snapshot: unknown): Promise<void> {
    this.#lifecycle.assertOpen('save', metadata?.persistenceId);
    const row = encodeSnapshot(metadata, snapshot, this.#serialization);
    await measure(
      this.#hooks,
      { operation: 'snapshot.save', store: NAME, persistenceId: row.persistenceId, bytes: row.payload.length },
      async () => {
        const rows = this.#snapshots.get(row.persistenceId) ?? [];
        const kept = rows.filter((existing) => existing.sequenceNr !== row.sequenceNr);
        kept.push(row);
        kept.sort((a, b) => a.sequenceNr - b.sequenceNr);
        this.#snapshots.set(row.persistenceId, kept);
      },
    );
  }

  async delete(metadata: SnapshotMetadata): Promise<void> {
    this.#lifecycle.assertOpen('delete', metadata?.persistenceId);
    const checked = validateSnapshotMetadata(metadata);
    const rows = this.#snapshots.get(checked.persistenceId);
    if (rows)
      this.#snapshots.set(
        checked.persistenceId,
        rows.filter((row) => row.sequenceNr !== checked.sequenceNr),
      );
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    this.#lifecycle.assertOpen('deleteMatching', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    const rows = this.#snapshots.get(persistenceId);
    if (rows)
      this.#snapshots.set(
        persistenceId,
        rows.filter((row) => !checked.matches(row)),
      );
  }

  async *list(persistenceId: string, criteria?: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    this.#lifecycle.assertOpen('list', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    for (const row of [...(this.#snapshots.get(persistenceId) ?? [])]) {
      if (checked.matches(row)) yield new SnapshotMetadata({ persistenceId, sequenceNr: row.sequenceNr, timestamp: row.timestamp });
    }
  }

  /**
   * The stored envelope of one snapshot, by reference: for tools and fault tests.
   * Changing its bytes damages the stored snapshot, as a disk error would.
   */
  storedBytes(persistenceId: string, sequenceNr: number): Uint8Array | undefined {
    return this.#snapshots.get(persistenceId)?.find((row) => row.sequenceNr === sequenceNr)?.payload;
  }

  async close(): Promise<void> {
    this.#lifecycle.close();
  }
}
