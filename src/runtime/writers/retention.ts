/**
 * Snapshot retention options: when snapshots are taken automatically and what is pruned
 * after each successful save.
 * @module
 */
import { isSlowRecovery as passedThreshold, type SlowRecoveryThreshold, slowRecoveryThreshold } from '../../core/slow-recovery.js';
import { invalidArgument, validateInteger } from '../../core/validation.js';

export type { SlowRecoveryThreshold } from '../../core/slow-recovery.js';

/** Retention as users write it. */
export interface RetentionOptions {
  /** Snapshot when this many events were persisted since the last snapshot. @default undefined (never) */
  readonly snapshotEvery?: number;
  /** Snapshot when the encoded size of the events since the last snapshot passes this many bytes. @default undefined (never) */
  readonly snapshotEveryBytes?: number;
  /** Snapshot right after a recovery that replayed more than `events` events or took more than `ms` milliseconds. @default undefined (never) */
  readonly snapshotAfterSlowRecovery?: SlowRecoveryThreshold;
  /** After a successful save, delete all but the N newest snapshots. @default undefined (keep all) */
  readonly keepNSnapshots?: number;
  /** After a successful save (and pruning), delete the events covered by the oldest kept snapshot. @default false */
  readonly deleteEventsOnSnapshot?: boolean;
}

/** Validated retention. */
export interface Retention {
  readonly snapshotEvery: number | undefined;
  readonly snapshotEveryBytes: number | undefined;
  readonly snapshotAfterSlowRecovery: SlowRecoveryThreshold | undefined;
  readonly keepNSnapshots: number | undefined;
  readonly deleteEventsOnSnapshot: boolean;
}

/** No automatic snapshots, nothing pruned. */
export const NO_RETENTION: Retention = Object.freeze({
  snapshotEvery: undefined,
  snapshotEveryBytes: undefined,
  snapshotAfterSlowRecovery: undefined,
  keepNSnapshots: undefined,
  deleteEventsOnSnapshot: false,
});

/** True when a recovery passed `snapshotAfterSlowRecovery` (and replayed something a snapshot would save). */
export function isSlowRecovery(retention: Retention, replayed: number, durationMs: number): boolean {
  return passedThreshold(retention.snapshotAfterSlowRecovery, replayed, durationMs);
}

/** Validates retention options; `argument` names them in errors. */
export function retentionSettings(options: RetentionOptions | undefined, argument = 'retention', persistenceId?: string): Retention {
  if (options === undefined) return NO_RETENTION;
  const context = { persistenceId };
  if (typeof options !== 'object' || options === null) invalidArgument(argument, 'a retention options object', options, context);
  const positive = (value: number | undefined, name: string) =>
    value === undefined ? undefined : validateInteger(value, `${argument}.${name}`, context, { min: 1 });
  const deleteEvents = options.deleteEventsOnSnapshot ?? false;
  if (typeof deleteEvents !== 'boolean') invalidArgument(`${argument}.deleteEventsOnSnapshot`, 'a boolean', deleteEvents, context);
  return {
    snapshotEvery: positive(options.snapshotEvery, 'snapshotEvery'),
    snapshotEveryBytes: positive(options.snapshotEveryBytes, 'snapshotEveryBytes'),
    snapshotAfterSlowRecovery: slowRecoveryThreshold(
      options.snapshotAfterSlowRecovery,
      `${argument}.snapshotAfterSlowRecovery`,
      persistenceId,
    ),
    keepNSnapshots: positive(options.keepNSnapshots, 'keepNSnapshots'),
    deleteEventsOnSnapshot: deleteEvents,
  };
}
