/**
 * The default recorder: keeps the newest snapshots in memory, so `getSnapshots()` is the
 * recent timeline (time travel without a store).
 * @module
 */
import { validateInteger } from '../core/validation.js';
import type { Action } from './action.js';
import type { Recorder, Snapshot } from './recorder.js';

/** How many snapshots a {@link MemoryRecorder} keeps unless told otherwise (a machine's default recorder included). */
export const MEMORY_RECORDER_DEFAULT_LIMIT = 10_000;

/** Options of {@link MemoryRecorder}. */
export interface MemoryRecorderOptions {
  /** Keep at most this many snapshots, dropping the oldest (`Infinity`: keep all). @default 10_000 */
  readonly limit?: number;
}

/** Keeps the newest snapshots it hears about (see {@link MEMORY_RECORDER_DEFAULT_LIMIT}), oldest first. */
export class MemoryRecorder<S = unknown, A extends Action = Action> implements Recorder<S, A> {
  readonly #snapshots: Snapshot<S, A>[] = [];
  readonly #limit: number;

  constructor(options: MemoryRecorderOptions = {}) {
    this.#limit = validateInteger(options.limit ?? MEMORY_RECORDER_DEFAULT_LIMIT, 'options.limit', {}, { min: 1, allowInfinity: true });
  }

  /** Records the snapshot. */
  async afterDispatch(snapshot: Snapshot<S, A>): Promise<void> {
    this.#push(snapshot);
  }

  /** The recorded snapshots (the newest `limit`), oldest first. */
  async getSnapshots(): Promise<Snapshot<S, A>[]> {
    return [...this.#snapshots];
  }

  /** Records the snapshot (before any action: the initial state), unless it is the one recorded last. */
  async createSnapshot(snapshot: Snapshot<S, A>): Promise<void> {
    this.#push(snapshot);
  }

  /**
   * The snapshot taken after action `id`, or the latest one that follows an action; null when
   * there is none. Snapshots with `action: null` are skipped: resuming from one would replay
   * from the start onto a state that already includes those actions.
   */
  async loadSnapshot(id?: string): Promise<Snapshot<S, A> | null> {
    for (let index = this.#snapshots.length - 1; index >= 0; index--) {
      const snapshot = this.#snapshots[index] as Snapshot<S, A>;
      if (snapshot.action !== null && (id === undefined || snapshot.action.id === id)) return snapshot;
    }
    return null;
  }

  #push(snapshot: Snapshot<S, A>): void {
    const last = this.#snapshots.at(-1);
    // The same action with the same state object again (a createSnapshot right after the
    // dispatch, the initial state told again at start) adds nothing to the timeline.
    if (last && last.state === snapshot.state && (last.action?.id ?? null) === (snapshot.action?.id ?? null)) return;
    this.#snapshots.push(snapshot);
    if (this.#snapshots.length > this.#limit) this.#snapshots.splice(0, this.#snapshots.length - this.#limit);
  }
}
