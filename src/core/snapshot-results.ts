/**
 * Snapshot values and the tagged results of snapshot operations. Results are returned,
 * never thrown, and delivered to classic actors as messages.
 * @module
 */
import type { SnapshotMetadata } from './snapshot-metadata.js';
import type { SnapshotSelectionCriteria } from './snapshot-selection-criteria.js';

/** A loaded snapshot and its metadata. */
export interface SelectedSnapshot<S = unknown> {
  readonly metadata: SnapshotMetadata;
  readonly snapshot: S;
}

/** The snapshot handed to recovery before events are replayed. */
export interface SnapshotOffer<S = unknown> extends SelectedSnapshot<S> {
  readonly type: 'SnapshotOffer';
}

/** Builds a {@link SnapshotOffer}. */
export function SnapshotOffer<S>(metadata: SnapshotMetadata, snapshot: S): SnapshotOffer<S> {
  return { type: 'SnapshotOffer', metadata, snapshot };
}

/** A snapshot was saved. */
export interface SaveSnapshotSuccess {
  readonly type: 'SaveSnapshotSuccess';
  readonly metadata: SnapshotMetadata;
}
/** A snapshot could not be saved; events are unaffected. */
export interface SaveSnapshotFailure {
  readonly type: 'SaveSnapshotFailure';
  readonly metadata: SnapshotMetadata;
  readonly cause: Error;
}
/** One snapshot was deleted. */
export interface DeleteSnapshotSuccess {
  readonly type: 'DeleteSnapshotSuccess';
  readonly metadata: SnapshotMetadata;
}
/** One snapshot could not be deleted. */
export interface DeleteSnapshotFailure {
  readonly type: 'DeleteSnapshotFailure';
  readonly metadata: SnapshotMetadata;
  readonly cause: Error;
}
/** Every snapshot matching the criteria was deleted. */
export interface DeleteSnapshotsSuccess {
  readonly type: 'DeleteSnapshotsSuccess';
  readonly criteria: SnapshotSelectionCriteria;
}
/** Snapshots matching the criteria could not (all) be deleted. */
export interface DeleteSnapshotsFailure {
  readonly type: 'DeleteSnapshotsFailure';
  readonly criteria: SnapshotSelectionCriteria;
  readonly cause: Error;
}

/** Any result of a snapshot operation. */
export type SnapshotResult =
  | SaveSnapshotSuccess
  | SaveSnapshotFailure
  | DeleteSnapshotSuccess
  | DeleteSnapshotFailure
  | DeleteSnapshotsSuccess
  | DeleteSnapshotsFailure;

const asError = (cause: unknown): Error => (cause instanceof Error ? cause : new Error(String(cause)));

/** Builds a {@link SaveSnapshotSuccess}. */
export const SaveSnapshotSuccess = (metadata: SnapshotMetadata): SaveSnapshotSuccess => ({ type: 'SaveSnapshotSuccess', metadata });
/** Builds a {@link SaveSnapshotFailure}. */
export const SaveSnapshotFailure = (metadata: SnapshotMetadata, cause: unknown): SaveSnapshotFailure => ({
  type: 'SaveSnapshotFailure',
  metadata,
  cause: asError(cause),
});
/** Builds a {@link DeleteSnapshotSuccess}. */
export const DeleteSnapshotSuccess = (metadata: SnapshotMetadata): DeleteSnapshotSuccess => ({ type: 'DeleteSnapshotSuccess', metadata });
/** Builds a {@link DeleteSnapshotFailure}. */
export const DeleteSnapshotFailure = (metadata: SnapshotMetadata, cause: unknown): DeleteSnapshotFailure => ({
  type: 'DeleteSnapshotFailure',
  metadata,
  cause: asError(cause),
});
/** Builds a {@link DeleteSnapshotsSuccess}. */
export const DeleteSnapshotsSuccess = (criteria: SnapshotSelectionCriteria): DeleteSnapshotsSuccess => ({
  type: 'DeleteSnapshotsSuccess',
  criteria,
});
/** Builds a {@link DeleteSnapshotsFailure}. */
export const DeleteSnapshotsFailure = (criteria: SnapshotSelectionCriteria, cause: unknown): DeleteSnapshotsFailure => ({
  type: 'DeleteSnapshotsFailure',
  criteria,
  cause: asError(cause),
});
