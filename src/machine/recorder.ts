/**
 * The recorder contract, exactly as mintBlue SDK users know it: told after every
 * dispatch, it decides where (and whether) snapshots go.
 * @module
 */
import type { Action } from './action.js';

/** A state and the action that produced it; `action` is null for the initial (or loaded) state. */
export interface Snapshot<S = unknown, A = Action> {
  /** The action that produced `state`, or null for the initial (or loaded) state. */
  readonly action: A | null;
  /** The state right after `action`. */
  readonly state: S;
}

/**
 * Hears about every dispatch. Only `afterDispatch` is required; a hand-written recorder
 * that implements just that works unchanged.
 */
export interface Recorder<S = unknown, A = Action> {
  /** Called after EVERY dispatch, the first call carrying the initial (or loaded) state with `action: null`. */
  afterDispatch(snapshot: Snapshot<S, A>): Promise<void>;
  /** Every recorded snapshot, oldest first. */
  getSnapshots?(): Promise<Snapshot<S, A>[]>;
  /** Stores a snapshot now (explicit snapshot creation); before any action it carries the initial state with `action: null`. */
  createSnapshot?(snapshot: Snapshot<S, A>): Promise<void>;
  /** The snapshot taken at action `id`, or the latest when omitted; null when there is none. */
  loadSnapshot?(id?: string): Promise<Snapshot<S, A> | null>;
  /** Writes anything pending (e.g. a debounced snapshot); `Machine.stop()` calls it. */
  flush?(): Promise<void>;
  /** Flushes and releases timers; `Machine.stop()` calls it when there is no `flush`. */
  stop?(): Promise<void>;
}
