/**
 * Snapshot versions and adapters. Each snapshot records the version of the state shape
 * that wrote it, inside SnapshotMetadata.metadata as `{ memento: { version }, user }`, so
 * the user's own metadata is kept apart and handed back unchanged. Recovery uses a
 * snapshot only when its version is current or an adapter says it can migrate it.
 * @module
 */
import { describeValue, InvalidArgumentError } from '../../core/errors.js';
import type { SnapshotMetadata } from '../../core/snapshot-metadata.js';
import { type SelectedSnapshot, SnapshotOffer } from '../../core/snapshot-results.js';

/** The version a definition has when it declares none. */
export const DEFAULT_SNAPSHOT_VERSION = 1;

/** Stores a different shape than the in-memory state, and migrates older versions. */
export interface SnapshotAdapter<State> {
  /** The value to store for `state`. */
  toSnapshot(state: State): unknown;
  /** The state for a stored value written at `version`. */
  fromSnapshot(stored: unknown, version: number): State;
  /** True for older (or other) versions `fromSnapshot` can turn into the current state. */
  canMigrate?(version: number): boolean;
}

/** What Memento keeps in SnapshotMetadata.metadata. */
export interface VersionedSnapshotMetadata {
  readonly memento: { readonly version: number };
  readonly user?: unknown;
}

/** True when `value` has the shape {@link wrapSnapshotMetadata} writes. */
export function isVersionedSnapshotMetadata(value: unknown): value is VersionedSnapshotMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (!keys.includes('memento') || keys.some((key) => key !== 'memento' && key !== 'user')) return false;
  const memento = (value as { memento: unknown }).memento;
  return typeof memento === 'object' && memento !== null && Number.isSafeInteger((memento as { version?: unknown }).version);
}

/** The metadata to store for a snapshot of `version` with the user's `metadata`. */
export function wrapSnapshotMetadata(version: number, metadata: unknown): VersionedSnapshotMetadata {
  return metadata === undefined ? { memento: { version } } : { memento: { version }, user: metadata };
}

/** Version and user metadata of a stored snapshot; ones written without Memento's wrapper count as version 1. */
export function readSnapshotMetadata(metadata: unknown): { version: number; user: unknown } {
  if (isVersionedSnapshotMetadata(metadata)) return { version: metadata.memento.version, user: metadata.user };
  return { version: DEFAULT_SNAPSHOT_VERSION, user: metadata };
}

/** The metadata as users see it: Memento's wrapper removed. */
export function userSnapshotMetadata(metadata: SnapshotMetadata): SnapshotMetadata {
  if (!isVersionedSnapshotMetadata(metadata.metadata)) return metadata;
  return metadata.withMetadata(metadata.metadata.user);
}

/** Throws unless `version` is a positive integer. */
export function validateSnapshotVersion(version: unknown, argument: string): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new InvalidArgumentError(argument, `${argument}: expected an integer >= 1, found ${describeValue(version)}`, {
      expected: 'integer >= 1',
      actual: version,
    });
  }
  return version;
}

/** A stored snapshot turned into an offer, or the reason it cannot be used. */
export type DecodedSnapshot<State> =
  | { readonly usable: true; readonly offer: SnapshotOffer<State>; readonly version: number }
  | { readonly usable: false; readonly version: number };

/** Encodes states into stored snapshots and decodes them back, honouring versions and an adapter. */
export class SnapshotCodec<State> {
  constructor(
    readonly version: number,
    private readonly adapter: SnapshotAdapter<State> | undefined,
  ) {}

  /** The value and metadata to store for `state`. */
  encode(state: State, userMetadata: unknown): { snapshot: unknown; metadata: VersionedSnapshotMetadata } {
    const snapshot = this.adapter ? this.adapter.toSnapshot(state) : state;
    return { snapshot, metadata: wrapSnapshotMetadata(this.version, userMetadata) };
  }

  /** The offer for a loaded snapshot; throws when the adapter cannot decode it. */
  decode(selected: SelectedSnapshot): DecodedSnapshot<State> {
    const { version } = readSnapshotMetadata(selected.metadata.metadata);
    const migrates = version !== this.version && this.adapter?.canMigrate?.(version) === true;
    if (version !== this.version && !migrates) return { usable: false, version };
    const state = this.adapter ? this.adapter.fromSnapshot(selected.snapshot, version) : (selected.snapshot as State);
    return { usable: true, version, offer: SnapshotOffer(userSnapshotMetadata(selected.metadata), state) };
  }
}
