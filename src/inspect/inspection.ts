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
  /** Epoch ms of the newest event or snapshot; null when none is stored. */
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

/** The state at a point, and how it was rebuilt. */
export interface StateView extends PointInTime<unknown> {
  readonly persistenceId: string;
  /** The definition (entity name) that rebuilt it. */
  readonly definition: string;
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

/** What `verify` found for one or more ids. */
export interface VerifyReport {
  readonly idsChecked: number;
  readonly snapshotsChecked: number;
  readonly eventsReplayed: number;
  readonly problems: readonly VerifyProblem[];
  /** True when nothing is wrong. */
  readonly ok: boolean;
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
  /** The state at a point: nearest usable snapshot plus a bounded replay. Needs a definition. */
  stateAt(persistenceId: string, point: TimePoint): Promise<StateView>;
  /** The structured diff between the states at two points. */
  diff(
    persistenceId: string,
    from: TimePoint,
    to: TimePoint,
  ): Promise<{ readonly from: StateView; readonly to: StateView; readonly differences: readonly StateDifference[] }>;
  /** Shadow replay: compares stored snapshots with the replay of the events. */
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
