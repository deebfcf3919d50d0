/**
 * Signals: lifecycle and snapshot events the runtime tells an entity about. Typed
 * entities receive them in `signalHandler`; classic actors receive the snapshot and
 * deletion results as messages in `receiveCommand`, as Akka users expect.
 * @module
 */
import type { SnapshotMetadata } from '../../core/snapshot-metadata.js';
import type { SelectedSnapshot, SnapshotResult } from '../../core/snapshot-results.js';
import type { Logger } from '../../observability/logger.js';
import type { UnconfirmedWarning } from '../delivery/delivery-types.js';
import { asError } from './runtime-errors.js';

/** Recovery finished; commands are handled from now on. */
export interface RecoveryCompleted {
  readonly type: 'RecoveryCompleted';
  /** Highest sequence number of the entity after recovery. */
  readonly lastSequenceNr: number;
  /** Sequence number of the snapshot recovery started from (0 = none). */
  readonly snapshotSequenceNr: number;
  /** Events replayed on top of the snapshot. */
  readonly replayed: number;
  /** What this recovery did: snapshot used or why none, bytes, time, snapshot triggered. */
  readonly report: RecoveryReport;
}

/** Why recovery started without a snapshot. */
export type NoSnapshotReason = 'none-stored' | 'disabled' | 'all-unusable' | 'durable-state';

/** What one recovery did (the `report` of RecoveryCompleted, also given to `hooks.onRecovery`). */
export interface RecoveryReport {
  readonly persistenceId: string;
  /** Sequence number of the snapshot started from, or undefined with `noSnapshotReason`. */
  readonly snapshotSequenceNr: number | undefined;
  /** Why no snapshot was used: none stored, disabled by `recovery.fromSnapshot`, every one skipped, or a durable state entity. */
  readonly noSnapshotReason: NoSnapshotReason | undefined;
  /** Snapshots passed over (unreadable or of another version). */
  readonly snapshotsSkipped: number;
  readonly eventsReplayed: number;
  /** Encoded size of the replayed events; measured only with `retention.snapshotEveryBytes`, else undefined. */
  readonly bytesRead: number | undefined;
  readonly durationMs: number;
  /** `slow-recovery` when this recovery passed `retention.snapshotAfterSlowRecovery` and a snapshot was started; else undefined. */
  readonly snapshotTriggered: 'slow-recovery' | undefined;
}

/** Recovery failed; the commands waiting for it failed with `error`. */
export interface RecoveryFailed {
  readonly type: 'RecoveryFailed';
  readonly error: Error;
}

/** Recovery passed over a snapshot: unreadable bytes, or a version it cannot use. */
export interface SnapshotSkipped {
  readonly type: 'SnapshotSkipped';
  readonly metadata: SnapshotMetadata;
  readonly reason: 'unreadable' | 'version';
  /** Why it could not be read (reason `unreadable`) or which version it had (reason `version`). */
  readonly error: Error;
}

/** Events up to `toSequenceNr` were deleted from the journal. */
export interface DeleteMessagesSuccess {
  readonly type: 'DeleteMessagesSuccess';
  readonly toSequenceNr: number;
}

/** Deleting events up to `toSequenceNr` failed; nothing else is affected. */
export interface DeleteMessagesFailure {
  readonly type: 'DeleteMessagesFailure';
  readonly toSequenceNr: number;
  readonly cause: Error;
}

/** Answer to a classic actor's `loadSnapshot` (null when no snapshot matched). */
export interface LoadSnapshotResult {
  readonly type: 'LoadSnapshotResult';
  readonly snapshot: SelectedSnapshot | null;
  readonly toSequenceNr: number;
}

/** A classic actor's `loadSnapshot` failed (store unavailable). */
export interface LoadSnapshotFailed {
  readonly type: 'LoadSnapshotFailed';
  readonly cause: Error;
}

/** Everything a typed entity's `signalHandler` may receive (UnconfirmedWarning: with `atLeastOnceDelivery` only). */
export type Signal =
  | RecoveryCompleted
  | RecoveryFailed
  | SnapshotSkipped
  | SnapshotResult
  | DeleteMessagesSuccess
  | DeleteMessagesFailure
  | UnconfirmedWarning;

/** Results delivered to a classic actor's `receiveCommand` as messages (UnconfirmedWarning: at-least-once delivery only). */
export type ActorResultMessage =
  | SnapshotResult
  | DeleteMessagesSuccess
  | DeleteMessagesFailure
  | LoadSnapshotResult
  | LoadSnapshotFailed
  | UnconfirmedWarning;

/** Builds a {@link RecoveryCompleted}. */
export const RecoveryCompleted = (
  lastSequenceNr: number,
  snapshotSequenceNr: number,
  replayed: number,
  report: RecoveryReport,
): RecoveryCompleted => ({
  type: 'RecoveryCompleted',
  lastSequenceNr,
  snapshotSequenceNr,
  replayed,
  report,
});
/** Builds a {@link RecoveryFailed}. */
export const RecoveryFailed = (error: unknown): RecoveryFailed => ({ type: 'RecoveryFailed', error: asError(error) });
/** Builds a {@link SnapshotSkipped}. */
export const SnapshotSkipped = (metadata: SnapshotMetadata, reason: SnapshotSkipped['reason'], error: unknown): SnapshotSkipped => ({
  type: 'SnapshotSkipped',
  metadata,
  reason,
  error: asError(error),
});
/** Builds a {@link DeleteMessagesSuccess}. */
export const DeleteMessagesSuccess = (toSequenceNr: number): DeleteMessagesSuccess => ({ type: 'DeleteMessagesSuccess', toSequenceNr });
/** Builds a {@link DeleteMessagesFailure}. */
export const DeleteMessagesFailure = (toSequenceNr: number, cause: unknown): DeleteMessagesFailure => ({
  type: 'DeleteMessagesFailure',
  toSequenceNr,
  cause: asError(cause),
});
/** Builds a {@link LoadSnapshotResult}. */
export const LoadSnapshotResult = (snapshot: SelectedSnapshot | null, toSequenceNr: number): LoadSnapshotResult => ({
  type: 'LoadSnapshotResult',
  snapshot,
  toSequenceNr,
});
/** Builds a {@link LoadSnapshotFailed}. */
export const LoadSnapshotFailed = (cause: unknown): LoadSnapshotFailed => ({ type: 'LoadSnapshotFailed', cause: asError(cause) });

/**
 * Calls an entity's signal handler; a handler that throws is logged, never allowed to
 * break recovery or persistence.
 */
export function deliverSignal<S, G extends { readonly type: string }>(
  handler: ((state: S, signal: G) => void) | undefined,
  state: S,
  signal: G,
  entity: { readonly logger: Logger; readonly persistenceId: string },
): void {
  if (!handler) return;
  try {
    handler(state, signal);
  } catch (error) {
    entity.logger.error('[memento] [runtime] signalHandler threw', {
      persistenceId: entity.persistenceId,
      signal: signal.type,
      error: String(error),
    });
  }
}
