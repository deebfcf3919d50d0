/**
 * The `snapshotAfterSlowRecovery` trigger, shared by entities (retention) and machines
 * (StoreRecorder): right after a recovery that replayed more than `events` or took longer
 * than `ms`, a snapshot is saved so the next recovery starts from it.
 * Free of node:* imports, so machines run in a browser too.
 * @module
 */
import { invalidArgument, validateInteger } from './validation.js';

/** When a recovery counts as slow; either bound is enough. */
export interface SlowRecoveryThreshold {
  /** More events replayed than this. */
  readonly events?: number;
  /** More milliseconds than this. */
  readonly ms?: number;
}

/** True when a recovery passed `threshold` (and replayed something a snapshot would save). */
export function isSlowRecovery(threshold: SlowRecoveryThreshold | undefined, replayed: number, durationMs: number): boolean {
  if (!threshold || replayed === 0) return false;
  return (threshold.events !== undefined && replayed > threshold.events) || (threshold.ms !== undefined && durationMs > threshold.ms);
}

/** Validates a threshold (`argument` names it in errors); undefined stays undefined (off). */
export function slowRecoveryThreshold(value: unknown, argument: string, persistenceId?: string): SlowRecoveryThreshold | undefined {
  if (value === undefined) return undefined;
  const context = { persistenceId };
  const slow = value as SlowRecoveryThreshold | null;
  if (typeof slow !== 'object' || slow === null || (slow.events === undefined && slow.ms === undefined))
    invalidArgument(argument, '{ events?: number; ms?: number } with at least one bound', value, context);
  const bound = (bound: number | undefined, name: string) =>
    bound === undefined ? undefined : validateInteger(bound, `${argument}.${name}`, context, { min: 1 });
  return Object.freeze({ events: bound(slow.events, 'events'), ms: bound(slow.ms, 'ms') });
}
