/**
 * Instrumentation hooks around journal writes, replays and snapshot saves/loads, so users
 * can see where time goes without Memento depending on a telemetry library.
 * @module
 */
import type { ReplayProgress } from '../core/replay-pacer.js';
import type { SnapshotMetadata } from '../core/snapshot-metadata.js';

export type { ReplayProgress } from '../core/replay-pacer.js';

/**
 * The operations that report timing: Memento's own, or a plugin's own named
 * `area.operation` (e.g. `redis.scan`).
 */
export type OperationName =
  | 'journal.write'
  | 'journal.replay'
  | 'journal.highestSequenceNr'
  | 'journal.deleteTo'
  | 'journal.purge'
  | 'journal.purgeDeleted'
  | 'snapshot.save'
  | 'snapshot.load'
  | 'snapshot.delete'
  | 'snapshot.deleteMatching'
  | 'state.get'
  | 'state.upsert'
  | 'state.delete'
  | 'state.purgeDeleted'
  | 'offset.load'
  | 'offset.save'
  | 'offset.inTransaction'
  | `${string}.${string}`;

/** One finished operation. */
export interface OperationEvent {
  readonly operation: OperationName;
  /** Plugin name, e.g. `memory`, `sqlite`. */
  readonly store: string;
  readonly persistenceId?: string | undefined;
  readonly durationMs: number;
  /** Events written or replayed, when the operation counts them. */
  readonly count?: number | undefined;
  /** Bytes written or read, when known. */
  readonly bytes?: number | undefined;
  readonly error?: unknown;
}

/** A snapshot that `load` skipped because it could not be read. */
export interface SkippedSnapshot {
  readonly metadata: SnapshotMetadata;
  readonly error: Error;
}

/** What one recovery did; the runtime's RecoveryReport has the same shape. */
export interface RecoveryReportEvent {
  readonly persistenceId: string;
  readonly snapshotSequenceNr: number | undefined;
  readonly noSnapshotReason: string | undefined;
  readonly snapshotsSkipped: number;
  readonly eventsReplayed: number;
  readonly bytesRead: number | undefined;
  readonly durationMs: number;
  readonly snapshotTriggered: string | undefined;
}

/** A message an entity dropped, and why. */
export interface DeadLetter {
  readonly persistenceId: string;
  readonly message: unknown;
  readonly reason: string;
}

/** Callbacks a store or runtime calls; each is optional and must not throw. */
export interface PersistenceHooks {
  /** After every instrumented operation, successful or not. */
  onOperation?(event: OperationEvent): void;
  /** After every successful entity recovery: what it did (see RecoveryReport in the runtime). */
  onRecovery?(report: RecoveryReportEvent): void;
  /** When an entity drops a message instead of handling it (stash overflow with the `drop` strategy). */
  onDeadLetter?(event: DeadLetter): void;
  /** When a snapshot store skips an unreadable snapshot in favour of an older one. */
  onSnapshotSkipped?(event: SkippedSnapshot & { store: string }): void;
  /** How far a long recovery replay has got (every entity's), as its `recovery.onProgress` is told. */
  onRecoveryProgress?(progress: ReplayProgress): void;
}

/** Calls a hook, swallowing its errors: instrumentation must never break persistence. */
export function callHook<T>(hook: ((event: T) => void) | undefined, event: T): void {
  if (!hook) return;
  try {
    hook(event);
  } catch {
    // A broken hook is the user's bug, not a reason to fail a write.
  }
}

/**
 * Runs `work` and reports its duration to `hooks.onOperation`; `describe` adds counts
 * from the result. Adds no cost beyond `performance.now()` when no hook is set.
 */
export async function measure<T>(
  hooks: PersistenceHooks | undefined,
  base: Omit<OperationEvent, 'durationMs' | 'error'>,
  work: () => Promise<T>,
  describe?: (result: T) => Partial<Pick<OperationEvent, 'count' | 'bytes'>>,
): Promise<T> {
  if (!hooks?.onOperation) return work();
  const started = performance.now();
  try {
    const result = await work();
    callHook(hooks.onOperation, { ...base, ...describe?.(result), durationMs: performance.now() - started });
    return result;
  } catch (error) {
    callHook(hooks.onOperation, { ...base, durationMs: performance.now() - started, error });
    throw error;
  }
}
