/**
 * Turns any SnapshotStore (memory, fs, SQLite, PostgreSQL, S3) into a recorder: snapshot
 * every N actions and/or after a quiet period, keep the newest N.
 * @module
 */
import { CorruptSnapshotError, describeValue } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { Debounce } from '../core/timers.js';
import { invalidArgument, validateFunction, validateInteger } from '../core/validation.js';
import { type LoggerOption, resolveLogger } from '../observability/logger.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import type { Action } from './action.js';
import { sequenceNrOfActionId } from './journal-action-codec.js';
import type { Recorder, Snapshot } from './recorder.js';
import { RecorderSaveQueue } from './recorder-save-queue.js';

/** Options of {@link StoreRecorder}. */
export interface StoreRecorderOptions<S, A extends Action> {
  /** Whose snapshots these are; usually the machine's journal persistence id. */
  readonly persistenceId: string;
  /** Snapshot after every action whose sequence number is a multiple of this. @default undefined (off) */
  readonly every?: number;
  /** Snapshot after this many ms without a dispatch. @default undefined (off) */
  readonly debounceMs?: number;
  /** Keep only the newest N snapshots, deleting older ones after each save. @default Infinity */
  readonly keep?: number;
  /** The snapshot's sequence number for an action. @default action.sequenceNr, else the id read as a decimal integer */
  readonly sequenceNrOf?: (action: A) => number;
  /** Where save failures are logged (see LoggerOption); false for none. @default warnings and errors on stderr */
  readonly logger?: LoggerOption;
  /** Told about every save or prune failure; the machine keeps running. */
  readonly onError?: (error: Error, snapshot: Snapshot<S, A>) => void;
}

/** The default position of an action: its journal sequence number. */
export function defaultSequenceNrOf(action: Action): number {
  if (typeof action.sequenceNr === 'number') return validateInteger(action.sequenceNr, 'action.sequenceNr', {}, { min: 1 });
  return sequenceNrOfActionId(action.id, 'action.id');
}

/** A recorder over a snapshot store. With neither `every` nor `debounceMs` it saves only on `createSnapshot`, `flush` and `stop`. */
export class StoreRecorder<S = unknown, A extends Action = Action> implements Recorder<S, A> {
  /** The store snapshots go to (time travel reads it). */
  readonly snapshotStore: SnapshotStore;
  /** The persistence id snapshots are saved under. */
  readonly persistenceId: string;
  readonly #every: number | undefined;
  readonly #sequenceNrOf: (action: A) => number;
  readonly #writer: RecorderSaveQueue<S, A>;
  #latest: Snapshot<S, A> | null = null;
  readonly #debounce: Debounce | undefined;

  constructor(snapshotStore: SnapshotStore, options: StoreRecorderOptions<S, A>) {
    if (typeof snapshotStore?.save !== 'function') invalidArgument('snapshotStore', 'a SnapshotStore', snapshotStore);
    if (typeof options !== 'object' || options === null)
      invalidArgument('options', 'an object { persistenceId, every?, debounceMs?, keep? }', options);
    validatePersistenceId(options.persistenceId, 'options.persistenceId');
    const context = { persistenceId: options.persistenceId };
    this.snapshotStore = snapshotStore;
    this.persistenceId = options.persistenceId;
    this.#every = options.every === undefined ? undefined : validateInteger(options.every, 'options.every', context, { min: 1 });
    const debounceMs =
      options.debounceMs === undefined ? undefined : validateInteger(options.debounceMs, 'options.debounceMs', context, { min: 0 });
    const keep = validateInteger(options.keep ?? Number.POSITIVE_INFINITY, 'options.keep', context, { min: 1, allowInfinity: true });
    if (options.sequenceNrOf !== undefined) validateFunction(options.sequenceNrOf, 'options.sequenceNrOf', context);
    if (options.onError !== undefined) validateFunction(options.onError, 'options.onError', context);
    this.#sequenceNrOf = options.sequenceNrOf ?? defaultSequenceNrOf;
    this.#debounce =
      debounceMs === undefined
        ? undefined
        : new Debounce(debounceMs, () => {
            if (this.#latest) this.#writer.enqueue(this.#latest);
          });
    this.#writer = new RecorderSaveQueue({
      store: snapshotStore,
      persistenceId: options.persistenceId,
      keep,
      sequenceNrOf: this.#sequenceNrOf,
      logger: resolveLogger(options.logger),
      onError: options.onError,
    });
  }

  /** Schedules a snapshot by policy; the initial (or loaded) state is never saved again. */
  async afterDispatch(snapshot: Snapshot<S, A>): Promise<void> {
    if (!snapshot?.action) return;
    this.#latest = snapshot;
    if (this.#every !== undefined && this.#writer.position(snapshot) % this.#every === 0) this.#writer.enqueue(snapshot);
    this.#debounce?.touch();
  }

  /** Saves the snapshot now; rejects when the store fails. */
  async createSnapshot(snapshot: Snapshot<S, A>): Promise<void> {
    if (!snapshot?.action)
      invalidArgument('snapshot.action', 'an action (the state after it is saved under its sequence number)', snapshot?.action);
    await this.#writer.flush();
    await this.#writer.save(snapshot, true);
  }

  /** The snapshot taken at action `id`, or the latest; null when there is none. */
  async loadSnapshot(id?: string): Promise<Snapshot<S, A> | null> {
    const criteria =
      id === undefined
        ? SnapshotSelectionCriteria.Latest
        : (() => {
            const sequenceNr = sequenceNrOfActionId(id, 'id');
            return new SnapshotSelectionCriteria({ minSequenceNr: sequenceNr, maxSequenceNr: sequenceNr });
          })();
    const selected = await this.snapshotStore.load(this.persistenceId, criteria);
    return selected ? this.#unwrap(selected.snapshot, selected.metadata.sequenceNr) : null;
  }

  /** Every stored snapshot, oldest first. */
  async getSnapshots(): Promise<Snapshot<S, A>[]> {
    const snapshots: Snapshot<S, A>[] = [];
    for await (const metadata of this.snapshotStore.list(this.persistenceId)) {
      const exact = new SnapshotSelectionCriteria({ minSequenceNr: metadata.sequenceNr, maxSequenceNr: metadata.sequenceNr });
      const selected = await this.snapshotStore.load(this.persistenceId, exact);
      if (selected) snapshots.push(this.#unwrap(selected.snapshot, metadata.sequenceNr));
    }
    return snapshots;
  }

  /** Writes the pending snapshot (the latest state, if not saved yet) and waits for saves to finish. */
  async flush(): Promise<void> {
    this.#debounce?.cancel();
    // The queued every-N snapshot first, so the latest state never displaces it; a latest
    // state that was just tried (and failed) is reported once, not retried here.
    await this.#writer.flush();
    if (this.#latest && this.#writer.position(this.#latest) > this.#writer.lastAttempted) this.#writer.enqueue(this.#latest);
    await this.#writer.flush();
  }

  /** Flushes and cancels timers; the recorder stays usable (a machine may start again). */
  async stop(): Promise<void> {
    await this.flush();
  }

  #unwrap(value: unknown, sequenceNr: number): Snapshot<S, A> {
    const snapshot = value as Partial<Snapshot<S, A>> | null;
    if (typeof snapshot !== 'object' || snapshot === null || !('state' in snapshot) || !('action' in snapshot)) {
      throw new CorruptSnapshotError(
        `snapshot ${sequenceNr}: expected a recorder snapshot { action, state }, found ${describeValue(value)} (written by something else?)`,
        { persistenceId: this.persistenceId, sequenceNr, expected: '{ action, state }', actual: describeValue(value), source: 'machine' },
      );
    }
    return snapshot as Snapshot<S, A>;
  }
}
