/**
 * The snapshot store SPI.
 * @module
 */
import type { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import type { SkippedSnapshot } from '../observability/hooks.js';
import { type SnapshotCapabilities, snapshotCapabilities } from './capabilities.js';

/** Optional arguments of {@link SnapshotStore.load}. */
export interface SnapshotLoadOptions {
  /** Told about every snapshot skipped because it could not be read. */
  readonly onSkipped?: (skipped: SkippedSnapshot) => void;
}

/** Stores snapshots of state by persistence id and sequence number. */
export interface SnapshotStore {
  /** What the store offers beyond this interface; all false when absent. */
  readonly capabilities?: SnapshotCapabilities;
  /**
   * The youngest snapshot matching the criteria, or null. A snapshot that cannot be read
   * (corrupt bytes, failed checksum, unknown serializer) is skipped in favour of the next
   * older one and reported through `options.onSkipped`, the logger and the hooks.
   */
  load(persistenceId: string, criteria: SnapshotSelectionCriteria, options?: SnapshotLoadOptions): Promise<SelectedSnapshot | null>;
  /** Saves a snapshot; one at the same persistence id and sequence number is replaced. */
  save(metadata: SnapshotMetadata, snapshot: unknown): Promise<void>;
  /** Deletes the snapshot at `metadata.sequenceNr` (the timestamp is not compared). */
  delete(metadata: SnapshotMetadata): Promise<void>;
  /** Deletes every snapshot of the id matching the criteria. */
  deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void>;
  /** Metadata of the id's snapshots matching the criteria, oldest first. */
  list(persistenceId: string, criteria?: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata>;
  /** Releases resources; later calls fail with StoreClosedError. Idempotent. */
  close(): Promise<void>;
}

/** A snapshot store that lists the ids it holds snapshots of. */
export interface ListableSnapshotStore extends SnapshotStore {
  /** Ids with at least one snapshot, ascending (by code point), after `afterId`, at most `limit`. */
  listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]>;
}

/** True when the store declares the `listing` capability, i.e. implements {@link ListableSnapshotStore}. */
export function isListableSnapshotStore(store: SnapshotStore): store is ListableSnapshotStore {
  return typeof store === 'object' && store !== null && snapshotCapabilities(store).listing;
}
