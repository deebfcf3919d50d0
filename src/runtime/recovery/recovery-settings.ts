/**
 * Which snapshot recovery starts from and how far it replays.
 * @module
 */

import { DEFAULT_REPLAY_PACING, type ReplayPacing, type ReplayProgress } from '../../core/replay-pacer.js';
import { SnapshotSelectionCriteria, type SnapshotSelectionCriteriaInit } from '../../core/snapshot-selection-criteria.js';
import { type ArgumentContext, invalidArgument, validateFunction, validateInteger } from '../../core/validation.js';

/** Recovery options as users write them; every field optional. */
export interface RecoveryOptions {
  /** Which snapshots recovery may start from. `SnapshotSelectionCriteria.None` disables snapshots. @default Latest */
  readonly fromSnapshot?: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit;
  /** Replay no event beyond this sequence number. @default Infinity */
  readonly toSequenceNr?: number;
  /** Replay at most this many events. @default Infinity */
  readonly replayMax?: number;
  /**
   * Longest stretch of replay, in ms, before other work (timers, sockets, other entities)
   * gets a turn of the event loop. `Infinity` replays without pausing. @default 10
   */
  readonly yieldEveryMs?: number;
  /** Told how far a long replay has got, every `progressEveryMs`, and once more when it ends. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Least time between two progress reports, in ms; the first comes after this long. @default 500 */
  readonly progressEveryMs?: number;
}

/** Recovery options with defaults applied and bounds checked. */
export interface RecoverySettings extends ReplayPacing {
  readonly fromSnapshot: SnapshotSelectionCriteria;
  readonly toSequenceNr: number;
  readonly replayMax: number;
}

/** Recover from the latest snapshot and replay everything after it. */
export const DEFAULT_RECOVERY: RecoverySettings = Object.freeze({
  fromSnapshot: SnapshotSelectionCriteria.Latest,
  toSequenceNr: Number.MAX_SAFE_INTEGER,
  replayMax: Number.MAX_SAFE_INTEGER,
  ...DEFAULT_REPLAY_PACING,
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
    yieldEveryMs:
      options.yieldEveryMs === undefined
        ? DEFAULT_RECOVERY.yieldEveryMs
        : validateInteger(options.yieldEveryMs, `${argument}.yieldEveryMs`, context, { min: 0, allowInfinity: true }),
    progressEveryMs:
      options.progressEveryMs === undefined
        ? DEFAULT_RECOVERY.progressEveryMs
        : validateInteger(options.progressEveryMs, `${argument}.progressEveryMs`, context, { min: 1 }),
    onProgress: optionalFunction(options.onProgress, `${argument}.onProgress`, context),
  };
}

function optionalFunction<F>(value: F | undefined, argument: string, context: ArgumentContext): F | undefined {
  if (value !== undefined) validateFunction(value, argument, context);
  return value;
}

/** True for criteria that can select no snapshot at all (e.g. `None`). */
export function selectsNothing(criteria: SnapshotSelectionCriteria): boolean {
  return criteria.maxSequenceNr === 0 && criteria.maxTimestamp === 0;
}
