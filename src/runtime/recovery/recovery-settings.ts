/**
 * Which snapshot recovery starts from and how far it replays.
 * @module
 */

import { SnapshotSelectionCriteria, type SnapshotSelectionCriteriaInit } from '../../core/snapshot-selection-criteria.js';
import { invalidArgument, validateInteger } from '../../core/validation.js';

/** Recovery options as users write them; every field optional. */
export interface RecoveryOptions {
  /** Which snapshots recovery may start from. `SnapshotSelectionCriteria.None` disables snapshots. @default Latest */
  readonly fromSnapshot?: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit;
  /** Replay no event beyond this sequence number. @default Infinity */
  readonly toSequenceNr?: number;
  /** Replay at most this many events. @default Infinity */
  readonly replayMax?: number;
}

/** Recovery options with defaults applied and bounds checked. */
export interface RecoverySettings {
  readonly fromSnapshot: SnapshotSelectionCriteria;
  readonly toSequenceNr: number;
  readonly replayMax: number;
}

/** Recover from the latest snapshot and replay everything after it. */
export const DEFAULT_RECOVERY: RecoverySettings = Object.freeze({
  fromSnapshot: SnapshotSelectionCriteria.Latest,
  toSequenceNr: Number.MAX_SAFE_INTEGER,
  replayMax: Number.MAX_SAFE_INTEGER,
});

/** Validates recovery options (`argument` names them in errors) and fills in defaults. */
export function recoverySettings(options: RecoveryOptions | undefined, argument = 'recovery', persistenceId?: string): RecoverySettings {
  if (options === undefined) return DEFAULT_RECOVERY;
  const context = { persistenceId };
  if (typeof options !== 'object' || options === null) invalidArgument(argument, 'a recovery options object', options, context);
  return {
    fromSnapshot: SnapshotSelectionCriteria.from(options.fromSnapshot),
    toSequenceNr:
      options.toSequenceNr === undefined
        ? DEFAULT_RECOVERY.toSequenceNr
        : validateInteger(options.toSequenceNr, `${argument}.toSequenceNr`, context, { min: 0, allowInfinity: true }),
    replayMax:
      options.replayMax === undefined
        ? DEFAULT_RECOVERY.replayMax
        : validateInteger(options.replayMax, `${argument}.replayMax`, context, { min: 0, allowInfinity: true }),
  };
}

/** True for criteria that can select no snapshot at all (e.g. `None`). */
export function selectsNothing(criteria: SnapshotSelectionCriteria): boolean {
  return criteria.maxSequenceNr === 0 && criteria.maxTimestamp === 0;
}
