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

/** A snapshot with the sequence number it is saved under. */
export interface PlacedSnapshot<S, A extends Action> {
  /** The recorder snapshot. */
  readonly snapshot: Snapshot<S, A>;
  /** The snapshot store sequence number it is saved under (0: the state before any action). */
  readonly sequenceNr: number;
}

/** What a {@link RecorderSaveQueue} needs. */
export interface RecorderSaveQueueOptions<S, A extends Action> {
  /** Where snapshots are saved. */
  readonly store: SnapshotStore;
  /** Whose snapshots. */
  readonly persistenceId: string;
  /** How many of the newest snapshots survive pruning (Infinity: no pruning). */
  readonly keep: number;
  /** Where failures are logged. */
  readonly logger: Logger;
  /** Told about failures. */
  readonly onError: ((error: Error, snapshot: Snapshot<S, A>) => void) | undefined;
}

/** The save queue behind {@link StoreRecorder}. */
export class RecorderSaveQueue<S, A extends Action> {
  readonly #options: RecorderSaveQueueOptions<S, A>;
  #wanted: PlacedSnapshot<S, A> | null = null;
  #running: Promise<void> | null = null;
  #lastSaved = -1;
  #lastAttempted = -1;

  constructor(options: RecorderSaveQueueOptions<S, A>) {
    this.#options = options;
  }

  /** Saves `placed` soon, unless a newer one is queued or it is already saved. */
  enqueue(placed: PlacedSnapshot<S, A>): void {
    if (this.#wanted && this.#wanted.sequenceNr >= placed.sequenceNr) return;
    this.#wanted = placed;
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
  async save(placed: PlacedSnapshot<S, A>, rethrow = false): Promise<void> {
    const { store, persistenceId, keep } = this.#options;
    const { snapshot, sequenceNr } = placed;
    try {
      if (!rethrow && sequenceNr <= this.#lastSaved) return;
      const timestamp = Number.isSafeInteger(snapshot.action?.timestamp) ? (snapshot.action?.timestamp as number) : Date.now();
      await store.save(new SnapshotMetadata({ persistenceId, sequenceNr, timestamp }), { action: snapshot.action, state: snapshot.state });
      this.#lastSaved = Math.max(this.#lastSaved, sequenceNr);
      if (keep !== Number.POSITIVE_INFINITY) await this.#prune(keep);
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      this.report(error, snapshot);
      if (rethrow) throw error;
    }
  }

  /** Logs the failure and tells `onError`; never throws. */
  report(error: Error, snapshot: Snapshot<S, A>): void {
    try {
      this.#options.logger.error(
        `[memento] [machine] snapshot of ${JSON.stringify(this.#options.persistenceId)} failed: ${error.message}`,
        { persistenceId: this.#options.persistenceId, actionId: snapshot.action?.id, error },
      );
      this.#options.onError?.(error, snapshot);
    } catch {
      // A failing logger or error callback must not turn a lost snapshot into a crash.
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#wanted) {
        const next = this.#wanted;
        this.#lastAttempted = Math.max(this.#lastAttempted, next.sequenceNr);
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
}
