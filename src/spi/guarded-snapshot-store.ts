/**
 * The guard every snapshot store runs in front of its I/O: refusing use after close, checking
 * arguments and reporting timings to the hooks. A plugin implements {@link SnapshotStoreCore}
 * (I/O on checked arguments only); {@link GuardedSnapshotStore} is the public store.
 * @module
 */
import type { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { type Logger, type LoggerOption, resolveLogger } from '../observability/logger.js';
import type { SnapshotCapabilities } from './capabilities.js';
import { GuardedStore, type StoreGuardOptions } from './guarded-store.js';
import { validateIdListing } from './queryable-journal.js';
import type { ListableSnapshotStore, SnapshotLoadOptions, SnapshotSaveOptions } from './snapshot-store.js';
import {
  assertSnapshotFits,
  type SkipReporting,
  validateMaxSnapshotBytes,
  validateSnapshotMetadata,
  validateSnapshotQuery,
} from './snapshot-support.js';

/** A snapshot serialized for storing, with its size in bytes for the hooks. */
export interface PreparedSnapshot {
  readonly bytes: number;
}

/**
 * The I/O of a snapshot store. {@link GuardedSnapshotStore} calls it only while open, with
 * checked arguments, inside the hook timing; the core only reads and writes.
 */
export interface SnapshotStoreCore<P extends PreparedSnapshot = PreparedSnapshot> {
  /** Declared as the store's capabilities; `listing` needs `listPersistenceIds`. */
  readonly capabilities?: SnapshotCapabilities;
  /** Serializes a snapshot for `save` (throws SerializationError before anything is stored). */
  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): P;
  /** The youngest readable snapshot matching; skips go to `reporting` (see `loadYoungestReadable`). */
  load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null>;
  /** Stores what {@link prepareSave} made, replacing one at the same sequence number. */
  save(prepared: P, metadata: SnapshotMetadata): Promise<void>;
  /** Deletes the snapshot at `metadata.sequenceNr`. */
  delete(metadata: SnapshotMetadata): Promise<void>;
  /** Deletes every snapshot of the id matching the criteria. */
  deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void>;
  /** Metadata of the id's snapshots matching the criteria, oldest first. */
  list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata>;
  /** With the `listing` capability: see {@link ListableSnapshotStore.listPersistenceIds}. */
  listPersistenceIds?(afterId: string | undefined, limit: number): Promise<string[]>;
  /** Releases resources; called once, on the first `close()`. */
  close(): Promise<void>;
}

/** What {@link GuardedSnapshotStore} needs besides the core. */
export interface GuardOptions extends StoreGuardOptions {
  /** Where skipped snapshots are logged. @default silent */
  readonly logger?: LoggerOption | undefined;
  /** The store's `maxSnapshotBytes` option: larger snapshots are refused before anything is written. @default no limit */
  readonly maxSnapshotBytes?: number | undefined;
}

/**
 * A {@link SnapshotStore} around a {@link SnapshotStoreCore}: every public method refuses a
 * closed store, validates its arguments, then times the core's I/O for the hooks.
 * `listPersistenceIds` works when the core declares `listing`.
 */
export class GuardedSnapshotStore<P extends PreparedSnapshot = PreparedSnapshot>
  extends GuardedStore<SnapshotStoreCore<P>>
  implements ListableSnapshotStore
{
  readonly capabilities: SnapshotCapabilities;
  readonly #logger: Logger;
  readonly #maxSnapshotBytes: number | undefined;

  constructor(core: SnapshotStoreCore<P>, options: GuardOptions) {
    const maxSnapshotBytes = validateMaxSnapshotBytes(options.maxSnapshotBytes, 'options.maxSnapshotBytes');
    super(core, options, 'snapshotStore');
    this.#maxSnapshotBytes = maxSnapshotBytes;
    this.#logger = resolveLogger(options.logger);
    this.capabilities = core.capabilities ?? {};
  }

  /** With the `listing` capability: ids with at least one snapshot, ascending, after `afterId`, at most `limit`. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, this.source);
    const list = this.coreMethod('listPersistenceIds', 'this snapshot store does not declare the listing capability');
    return list.call(this.core, afterId, max);
  }

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, options?: SnapshotLoadOptions): Promise<SelectedSnapshot | null> {
    this.lifecycle.assertOpen('load', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    const reporting: SkipReporting = { source: this.source, logger: this.#logger, hooks: this.hooks, options };
    return this.timed('snapshot.load', { persistenceId }, () => this.core.load(persistenceId, checked, reporting));
  }

  async save(metadata: SnapshotMetadata, snapshot: unknown, options?: SnapshotSaveOptions): Promise<void> {
    this.lifecycle.assertOpen('save', metadata?.persistenceId);
    const checked = validateSnapshotMetadata(metadata);
    const prepared = this.core.prepareSave(checked, snapshot);
    assertSnapshotFits(checked, prepared.bytes, this.#maxSnapshotBytes, options, this.source);
    await this.timed('snapshot.save', { persistenceId: checked.persistenceId, bytes: prepared.bytes }, () =>
      this.core.save(prepared, checked),
    );
  }

  async delete(metadata: SnapshotMetadata): Promise<void> {
    this.lifecycle.assertOpen('delete', metadata?.persistenceId);
    const checked = validateSnapshotMetadata(metadata);
    await this.timed('snapshot.delete', { persistenceId: checked.persistenceId }, () => this.core.delete(checked));
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    this.lifecycle.assertOpen('deleteMatching', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    await this.timed('snapshot.deleteMatching', { persistenceId }, () => this.core.deleteMatching(persistenceId, checked));
  }

  async *list(persistenceId: string, criteria?: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    this.lifecycle.assertOpen('list', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    yield* this.core.list(persistenceId, checked);
  }
}
