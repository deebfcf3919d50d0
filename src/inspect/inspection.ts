/**
 * The inspection API: what the `memento` command line and the web inspector show, over any
 * journal and snapshot store. Both are views over this one interface; it imports no
 * node:* module. Implemented by `createInspection` (src/inspect/).
 * @module
 */
import type { PointInTime, TimePoint } from '../time-travel/point-in-time.js';
import type { StateDifference } from '../time-travel/state-diff.js';

/** One persistence id as `ids` lists it. */
export interface IdSummary {
  readonly persistenceId: string;
  /** The highest sequence number written (kept after `deleteTo`). */
  readonly highestSequenceNr: number;
  /** Events still stored (after deletions). */
  readonly eventCount: number;
  readonly snapshotCount: number;
  /** The durable state's revision (changes so far); 0 when the id has none. */
  readonly stateRevision: number;
  /** Epoch ms of the newest event, snapshot or durable state change; null when none is stored. */
  readonly lastWriteTimestamp: number | null;
}

/** One stored event, decoded. */
export interface EventView {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly event: unknown;
  readonly manifest?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly writerId?: string | undefined;
  readonly metadata?: unknown;
}

/** One stored snapshot and whether it can be read. */
export interface SnapshotView {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  /** User metadata stored with the snapshot. */
  readonly metadata?: unknown;
  /** Stored size in bytes, when the store can tell. */
  readonly size?: number | undefined;
  /** Serializer id from the envelope, when readable. */
  readonly serializer?: string | undefined;
  /** The snapshot version (typed entities' snapshot versioning), when present. */
  readonly version?: number | undefined;
  readonly readable: boolean;
  /** Why it cannot be read (error code and message), when it cannot. */
  readonly problem?: { readonly code: string; readonly message: string } | undefined;
}

/** A snapshot a rebuild passed over, and why. */
export interface SkippedSnapshotView {
  readonly sequenceNr: number;
  /** `unreadable` (damaged bytes, unknown serializer or key) or `version` (no adapter reads its version). */
  readonly reason: 'unreadable' | 'version';
  readonly message: string;
}

/** The state at a point, and how it was rebuilt. */
export interface StateView extends PointInTime<unknown> {
  readonly persistenceId: string;
  /** The definition (entity name) that rebuilt it. */
  readonly definition: string;
  /** Snapshots passed over on the way to the one used (newest first). */
  readonly skippedSnapshots?: readonly SkippedSnapshotView[] | undefined;
}

/** One snapshot that does not equal the replay, or cannot be read. */
export interface VerifyProblem {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly kind: 'mismatch' | 'damaged' | 'unverifiable';
  /** The first differing paths (mismatch), at most a few. */
  readonly differences?: readonly StateDifference[] | undefined;
  readonly message: string;
}

/** A readable snapshot that could not be compared because the events before it were deleted; it is the baseline for the next ones. */
export interface UnverifiedSnapshot {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly reason: string;
}

/** What `verify` found for one or more ids. */
export interface VerifyReport {
  readonly idsChecked: number;
  /** Snapshots compared with the replay. */
  readonly snapshotsChecked: number;
  readonly eventsReplayed: number;
  readonly problems: readonly VerifyProblem[];
  /** Snapshots taken as baselines (their events were deleted), not counted as problems. */
  readonly unverified?: readonly UnverifiedSnapshot[] | undefined;
  /** True when the run was stopped by its signal before it finished. */
  readonly interrupted?: boolean | undefined;
  /** True when nothing is wrong (and the run finished). */
  readonly ok: boolean;
}

/** Options of a rebuild. */
export interface StateOptions {
  /** The definition to rebuild with, instead of the one the id's name picks. */
  readonly definition?: string | undefined;
  /** Stops a long replay (it rejects with an AbortError). */
  readonly signal?: AbortSignal | undefined;
  /** Events replayed so far and at most how many the replay takes. */
  readonly onProgress?: ((done: number, total: number | undefined) => void) | undefined;
}

/** Where a rebuild comes from: a definition name and how to fold. */
export interface StateDefinitionSummary {
  readonly name: string;
  readonly kind: 'entity' | 'durable' | 'machine';
}

/** Read (and, when allowed, repair) access to one store set, for tools. */
export interface Inspection {
  /** Persistence ids in ascending order after `after`, at most `limit` (a page). */
  ids(options?: { readonly prefix?: string; readonly after?: string; readonly limit?: number }): Promise<IdSummary[]>;
  /** Decoded events of one id, ascending, within [from, to], at most `limit`. */
  events(persistenceId: string, options?: { readonly from?: number; readonly to?: number; readonly limit?: number }): Promise<EventView[]>;
  /** Events of one id from `from` on, live: ends when `signal` aborts. */
  follow(persistenceId: string, options: { readonly from: number; readonly signal: AbortSignal }): AsyncIterable<EventView>;
  /** Every snapshot of one id, oldest first, readable or not. */
  snapshots(persistenceId: string): Promise<SnapshotView[]>;
  /** The definitions known (from `--definitions`). */
  definitions(): readonly StateDefinitionSummary[];
  /**
   * The state at a point: nearest usable snapshot plus a bounded replay. Needs a definition,
   * picked by the name before the first `|` of the id (or the whole id), or by `definition`.
   */
  stateAt(persistenceId: string, point: TimePoint, options?: StateOptions): Promise<StateView>;
  /** The structured diff between the states at two points. */
  diff(
    persistenceId: string,
    from: TimePoint,
    to: TimePoint,
    options?: StateOptions,
  ): Promise<{ readonly from: StateView; readonly to: StateView; readonly differences: readonly StateDifference[] }>;
  /**
   * Shadow replay: compares stored snapshots with the replay of the events. `sample` checks
   * at most N snapshots per id (spread evenly, the newest included); `onProgress` counts
   * events replayed. Aborting `signal` ends the run with `interrupted: true`.
   */
  verify(
    persistenceIds: readonly string[] | 'all',
    options?: {
      readonly sample?: number;
      readonly signal?: AbortSignal;
      readonly onProgress?: (done: number, total: number | undefined) => void;
    },
  ): Promise<VerifyReport>;
  /** Removes one snapshot (the CLI asks first; the server only with --allow-delete). */
  deleteSnapshot(persistenceId: string, sequenceNr: number): Promise<void>;
  /** Closes the stores it opened. */
  close(): Promise<void>;
}
