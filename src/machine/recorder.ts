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

/** What a machine's recovery did: from `start()` to its first catch-up with the reader. */
export interface MachineRecoveryReport {
  /** The machine's (its definition's) name. */
  readonly machine: string;
  /** The id of the action the loaded snapshot was taken at, or null when it started from the initial state. */
  readonly snapshotActionId: string | null;
  /** Actions the reader delivered up to its first catch-up. */
  readonly actionsReplayed: number;
  /** Stored size of those actions (a JournalReader's, as the journal decoded them); undefined when the reader does not tell it. */
  readonly bytesRead: number | undefined;
  /** From `start()` to the first catch-up, in ms. */
  readonly durationMs: number;
  /** `slow-recovery` when the recorder's `snapshotAfterSlowRecovery` started a snapshot; else undefined. */
  readonly snapshotTriggered: string | undefined;
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
  /**
   * Told once per `start()`, at the first catch-up (the report's `snapshotTriggered` still
   * undefined); returns the trigger's name when it started a snapshot because of it.
   */
  afterRecovery?(report: MachineRecoveryReport): string | undefined;
  /** Writes anything pending (e.g. a debounced snapshot); `Machine.stop()` calls it. */
  flush?(): Promise<void>;
  /** Flushes and releases timers; `Machine.stop()` calls it when there is no `flush`. */
  stop?(): Promise<void>;
}
