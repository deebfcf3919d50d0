/**
 * One interface through which bench/run.ts drives peer event-store libraries, so that
 * Memento's journals and the peers do the same work on the same database in the same run.
 * Peer libraries are dependencies of bench/package.json only (never of Memento itself).
 */

/** An event as the benchmark produces it. */
export interface PeerEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface PeerEventStore {
  /** Library and version, e.g. 'emmett-postgresql 0.42.0'. */
  readonly name: string;
  /** Creates tables etc. in the given database/schema; idempotent. */
  setup(): Promise<void>;
  /** Appends events to one stream, expecting the stream to be at `expectedVersion` (0 = new). */
  append(streamId: string, events: readonly PeerEvent[], expectedVersion: number): Promise<void>;
  /** Loads a whole stream and folds it (counting events, summing a field), returning the event count. */
  load(streamId: string): Promise<number>;
  /** Drops what setup created and closes connections. */
  teardown(): Promise<void>;
  /** Anything the report must say about how the run went for this peer (e.g. operations retried). */
  remarks?(): string | undefined;
}

/** Options every peer factory takes. */
export interface PeerOptions {
  /** PostgreSQL server URL; peers work in a database of their own on that server. */
  readonly pgUrl: string;
  /** Directory for SQLite files. */
  readonly sqliteDir: string;
}

/** The field the fold sums (the events of benchEvent in bench/scenarios/common.ts carry a numeric `quantity`). */
export const SUM_FIELD = 'quantity';

/** State of the fold every peer's `load` runs through its library's own folding API. */
export interface FoldState {
  count: number;
  sum: number;
}

export const initialFold = (): FoldState => ({ count: 0, sum: 0 });

/** One fold step; mutates and returns `state` (cheap, and the same for every peer). */
export const foldStep = (state: FoldState, data: unknown): FoldState => {
  state.count += 1;
  const value = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[SUM_FIELD] : undefined;
  if (typeof value === 'number') state.sum += value;
  return state;
};
