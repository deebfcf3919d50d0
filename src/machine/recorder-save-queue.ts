/**
 * Saves recorder snapshots one at a time, coalescing to the newest while a save runs, and
 * prunes to the newest N. Failures are reported, never thrown at the machine.
 * @module
 */
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { Logger } from '../observability/logger.js';
import { planSnapshotPruning } from '../spi/snapshot-pruning.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import type { Action } from './action.js';
import type { Snapshot } from './recorder.js';

/** What a {@link RecorderSaveQueue} needs. */
export interface RecorderSaveQueueOptions<S, A extends Action> {
  /** Where snapshots are saved. */
  readonly store: SnapshotStore;
  /** Whose snapshots. */
  readonly persistenceId: string;
  /** How many of the newest snapshots survive pruning (Infinity: no pruning). */
  readonly keep: number;
  /** The sequence number a snapshot is saved under. */
  readonly sequenceNrOf: (action: A) => number;
  /** Where failures are logged. */
  readonly logger: Logger;
  /** Told about failures. */
  readonly onError: ((error: Error, snapshot: Snapshot<S, A>) => void) | undefined;
}

/** The save queue behind {@link StoreRecorder}. */
export class RecorderSaveQueue<S, A extends Action> {
  readonly #options: RecorderSaveQueueOptions<S, A>;
  #wanted: Snapshot<S, A> | null = null;
  #running: Promise<void> | null = null;
  #lastSaved = 0;
  #lastAttempted = 0;

  constructor(options: RecorderSaveQueueOptions<S, A>) {
    this.#options = options;
  }

  /** The sequence number a snapshot is saved under. */
  position(snapshot: Snapshot<S, A>): number {
    return this.#options.sequenceNrOf(snapshot.action as A);
  }

  /** Saves `snapshot` soon, unless a newer one is queued or it is already saved. */
  enqueue(snapshot: Snapshot<S, A>): void {
    if (this.#wanted && this.position(this.#wanted) >= this.position(snapshot)) return;
    this.#wanted = snapshot;
    this.#running ??= this.#drain();
  }

  /** Position of the newest snapshot a queued save tried to write, saved or not. */
  get lastAttempted(): number {
    return this.#lastAttempted;
  }

  /** Resolves when nothing is queued or being saved. */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Saves one snapshot now; reports failures, and rethrows them when `rethrow`. */
  async save(snapshot: Snapshot<S, A>, rethrow = false): Promise<void> {
    const { store, persistenceId, keep } = this.#options;
    try {
      const sequenceNr = this.position(snapshot);
      if (!rethrow && sequenceNr <= this.#lastSaved) return;
      const timestamp = Number.isSafeInteger(snapshot.action?.timestamp) ? (snapshot.action?.timestamp as number) : Date.now();
      await store.save(new SnapshotMetadata({ persistenceId, sequenceNr, timestamp }), { action: snapshot.action, state: snapshot.state });
      this.#lastSaved = Math.max(this.#lastSaved, sequenceNr);
      if (keep !== Number.POSITIVE_INFINITY) await this.#prune(keep);
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      this.#report(error, snapshot);
      if (rethrow) throw error;
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#wanted) {
        const next = this.#wanted;
        this.#lastAttempted = Math.max(this.#lastAttempted, this.position(next));
        await this.save(next);
        if (this.#wanted === next) this.#wanted = null;
      }
    } finally {
      this.#running = null;
    }
  }

  /** Deletes all but the newest `keep` snapshots. */
  async #prune(keep: number): Promise<void> {
    const { store, persistenceId } = this.#options;
    const { older } = await planSnapshotPruning(store, persistenceId, keep);
    if (older) await store.deleteMatching(persistenceId, older);
  }

  #report(error: Error, snapshot: Snapshot<S, A>): void {
    this.#options.logger.error(`[memento] [machine] snapshot of ${JSON.stringify(this.#options.persistenceId)} failed: ${error.message}`, {
      persistenceId: this.#options.persistenceId,
      actionId: snapshot.action?.id,
      error,
    });
    try {
      this.#options.onError?.(error, snapshot);
    } catch {
      // A failing error callback must not turn a lost snapshot into a crash.
    }
  }
}
