/**
 * Turns any SnapshotStore (memory, fs, SQLite, PostgreSQL, S3) into a recorder: snapshot
 * every N actions and/or after a quiet period, keep the newest N.
 * @module
 */
import { CorruptSnapshotError, describeValue } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { isSlowRecovery, type SlowRecoveryThreshold, slowRecoveryThreshold } from '../core/slow-recovery.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { Debounce } from '../core/timers.js';
import { invalidArgument, validateFunction, validateInteger } from '../core/validation.js';
import { type LoggerOption, resolveLogger } from '../observability/logger.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import type { Action } from './action.js';
import { decimalSequenceNr, sequenceNrOfActionId } from './journal-action-codec.js';
import type { MachineRecoveryReport, Recorder, Snapshot } from './recorder.js';
import { type PlacedSnapshot, RecorderSaveQueue } from './recorder-save-queue.js';

/** Options of {@link StoreRecorder}. */
export interface StoreRecorderOptions<S, A extends Action> {
  /** Whose snapshots these are; usually the machine's journal persistence id. */
  readonly persistenceId: string;
  /** Snapshot after every action whose sequence number is a multiple of this. @default undefined (off) */
  readonly every?: number;
  /**
   * Snapshot once the actions since the last snapshot add up to this many bytes (their JSON
   * in UTF-8: large actions cost more to replay than small ones). @default undefined (off)
   */
  readonly everyBytes?: number;
  /**
   * Snapshot the state right after a recovery (`start()` up to the first catch-up) that
   * replayed more than `events` actions or took more than `ms` milliseconds, so the next
   * start is fast; the same trigger as an entity's `retention.snapshotAfterSlowRecovery`.
   * Composes with `every` and `everyBytes`. @default undefined (off)
   */
  readonly snapshotAfterSlowRecovery?: SlowRecoveryThreshold;
  /** Snapshot after this many ms without a dispatch. @default undefined (off) */
  readonly debounceMs?: number;
  /** Keep only the newest N snapshots, deleting older ones after each save. @default Infinity */
  readonly keep?: number;
  /**
   * The snapshot's sequence number for an action. @default action.sequenceNr, else the id read
   * as a decimal integer, else (ids like `tx-9f2c`) one more than the previous action's
   */
  readonly sequenceNrOf?: (action: A) => number;
  /** Where save failures are logged (see LoggerOption); false for none. @default warnings and errors on stderr */
  readonly logger?: LoggerOption;
  /** Told about every failure (placing, saving or pruning a snapshot); the machine keeps running. */
  readonly onError?: (error: Error, snapshot: Snapshot<S, A>) => void;
}

const utf8 = new TextEncoder();

/** An action's size as JSON in UTF-8 (machines run in browsers too: no node serializer here). */
function encodedSize(action: unknown): number {
  try {
    return utf8.encode(JSON.stringify(action) ?? '').length;
  } catch {
    // A value JSON cannot hold (a cycle, a BigInt) counts as nothing rather than failing the dispatch.
    return 0;
  }
}

/** The default position of an action: its journal sequence number. */
export function defaultSequenceNrOf(action: Action): number {
  if (typeof action.sequenceNr === 'number') return validateInteger(action.sequenceNr, 'action.sequenceNr', {}, { min: 1 });
  return sequenceNrOfActionId(action.id, 'action.id');
}

/**
 * A recorder over a snapshot store. With neither `every` nor `debounceMs` it saves only on
 * `createSnapshot`, `flush` and `stop`. Failures never reach the machine: they go to the
 * logger and `onError`.
 */
export class StoreRecorder<S = unknown, A extends Action = Action> implements Recorder<S, A> {
  /** The store snapshots go to (time travel reads it). */
  readonly snapshotStore: SnapshotStore;
  /** The persistence id snapshots are saved under. */
  readonly persistenceId: string;
  readonly #every: number | undefined;
  readonly #everyBytes: number | undefined;
  readonly #slowRecovery: SlowRecoveryThreshold | undefined;
  /** Bytes of the actions dispatched since the last snapshot was queued (with `everyBytes`). */
  #bytesSinceSnapshot = 0;
  readonly #sequenceNrOf: ((action: A) => number) | undefined;
  readonly #writer: RecorderSaveQueue<S, A>;
  /** The latest action's snapshot and position, once one was dispatched. */
  #latest: PlacedSnapshot<S, A> | null = null;
  /** The position of the last action heard of (or loaded); counts actions whose ids carry none. */
  #position = 0;
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
    this.#everyBytes =
      options.everyBytes === undefined ? undefined : validateInteger(options.everyBytes, 'options.everyBytes', context, { min: 1 });
    this.#slowRecovery = slowRecoveryThreshold(
      options.snapshotAfterSlowRecovery,
      'options.snapshotAfterSlowRecovery',
      options.persistenceId,
    );
    const debounceMs =
      options.debounceMs === undefined ? undefined : validateInteger(options.debounceMs, 'options.debounceMs', context, { min: 0 });
    const keep = validateInteger(options.keep ?? Number.POSITIVE_INFINITY, 'options.keep', context, { min: 1, allowInfinity: true });
    if (options.sequenceNrOf !== undefined) validateFunction(options.sequenceNrOf, 'options.sequenceNrOf', context);
    if (options.onError !== undefined) validateFunction(options.onError, 'options.onError', context);
    this.#sequenceNrOf = options.sequenceNrOf;
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
      logger: resolveLogger(options.logger),
      onError: options.onError,
    });
  }

  /** Schedules a snapshot by policy; the initial (or loaded) state is never saved again. */
  async afterDispatch(snapshot: Snapshot<S, A>): Promise<void> {
    if (!snapshot?.action) return;
    let sequenceNr: number;
    try {
      sequenceNr = this.#place(snapshot.action, this.#position + 1);
    } catch (cause) {
      this.#writer.report(cause instanceof Error ? cause : new Error(String(cause)), snapshot);
      return;
    }
    this.#position = sequenceNr;
    this.#latest = { snapshot, sequenceNr };
    if (this.#everyBytes !== undefined) this.#bytesSinceSnapshot += encodedSize(snapshot.action);
    const dueByCount = this.#every !== undefined && sequenceNr % this.#every === 0;
    const dueBySize = this.#everyBytes !== undefined && this.#bytesSinceSnapshot >= this.#everyBytes;
    if (dueByCount || dueBySize) {
      this.#bytesSinceSnapshot = 0;
      this.#writer.enqueue(this.#latest);
    }
    this.#debounce?.touch();
  }

  /**
   * After a recovery past `snapshotAfterSlowRecovery`: queues the latest state (unless it is
   * already saved) and answers `slow-recovery`.
   */
  afterRecovery(report: MachineRecoveryReport): string | undefined {
    if (!isSlowRecovery(this.#slowRecovery, report.actionsReplayed, report.durationMs)) return undefined;
    const latest = this.#latest;
    if (!latest || latest.sequenceNr <= this.#writer.lastAttempted) return undefined;
    this.#writer.enqueue(latest);
    return 'slow-recovery';
  }

  /**
   * Saves the snapshot now; rejects (after telling `onError`) when the store fails. A snapshot
   * without an action is the state before any action, saved at sequence number 0.
   */
  async createSnapshot(snapshot: Snapshot<S, A>): Promise<void> {
    if (typeof snapshot !== 'object' || snapshot === null || !('state' in snapshot))
      invalidArgument('snapshot', 'a snapshot { action, state }', snapshot, { persistenceId: this.persistenceId });
    let sequenceNr: number;
    try {
      sequenceNr = snapshot.action === null ? 0 : this.#placeExplicit(snapshot.action);
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      this.#writer.report(error, snapshot);
      throw error;
    }
    await this.#writer.flush();
    await this.#writer.save({ snapshot, sequenceNr }, true);
  }

  /**
   * The snapshot taken at action `id`, or the latest; null when there is none. Loading the
   * latest also tells the recorder where the machine resumes, so counted positions go on from there.
   */
  async loadSnapshot(id?: string): Promise<Snapshot<S, A> | null> {
    if (id === undefined) {
      const selected = await this.snapshotStore.load(this.persistenceId, SnapshotSelectionCriteria.Latest);
      this.#position = selected ? selected.metadata.sequenceNr : 0;
      return selected ? this.#unwrap(selected.snapshot, selected.metadata.sequenceNr) : null;
    }
    if (typeof id !== 'string' || id.length === 0)
      invalidArgument('id', 'an action id (a non-empty string)', id, { persistenceId: this.persistenceId });
    const decimal = this.#sequenceNrOf === undefined ? decimalSequenceNr(id) : undefined;
    if (decimal !== undefined) {
      const exact = await this.#loadAt(decimal);
      if (exact?.action?.id === id) return exact;
    }
    // Ids that do not name their position (or a custom sequenceNrOf): the id is kept in each snapshot.
    const positions: number[] = [];
    for await (const metadata of this.snapshotStore.list(this.persistenceId)) positions.push(metadata.sequenceNr);
    for (let index = positions.length - 1; index >= 0; index--) {
      const found = await this.#loadAt(positions[index] as number);
      if (found?.action?.id === id) return found;
    }
    return null;
  }

  /** Every stored snapshot, oldest first. */
  async getSnapshots(): Promise<Snapshot<S, A>[]> {
    const snapshots: Snapshot<S, A>[] = [];
    for await (const metadata of this.snapshotStore.list(this.persistenceId)) {
      const found = await this.#loadAt(metadata.sequenceNr);
      if (found) snapshots.push(found);
    }
    return snapshots;
  }

  /** Writes the pending snapshot (the latest state, if not saved yet) and waits for saves to finish. */
  async flush(): Promise<void> {
    this.#debounce?.cancel();
    // The queued every-N snapshot first, so the latest state never displaces it; a latest
    // state that was just tried (and failed) is reported once, not retried here.
    await this.#writer.flush();
    if (this.#latest && this.#latest.sequenceNr > this.#writer.lastAttempted) this.#writer.enqueue(this.#latest);
    await this.#writer.flush();
  }

  /** Flushes and cancels timers; the recorder stays usable (a machine may start again). */
  async stop(): Promise<void> {
    await this.flush();
  }

  /** The position of an action: `sequenceNrOf`, its sequence number, its decimal id, else `counted`. */
  #place(action: A, counted: number): number {
    const context = { persistenceId: this.persistenceId };
    if (this.#sequenceNrOf) return validateInteger(this.#sequenceNrOf(action), 'options.sequenceNrOf(action)', context, { min: 1 });
    if (typeof action.sequenceNr === 'number') return validateInteger(action.sequenceNr, 'action.sequenceNr', context, { min: 1 });
    return decimalSequenceNr(action.id) ?? counted;
  }

  /** Like {@link #place}, for an action given outright: a counted position is known only for the latest. */
  #placeExplicit(action: A): number {
    if (this.#latest && this.#latest.snapshot.action?.id === action.id) return this.#latest.sequenceNr;
    const sequenceNr = this.#place(action, Number.NaN);
    if (Number.isNaN(sequenceNr)) {
      invalidArgument(
        'snapshot.action',
        'the latest action, an action with a sequenceNr or a decimal id (or options.sequenceNrOf to place others)',
        action.id,
        { persistenceId: this.persistenceId },
      );
    }
    return sequenceNr;
  }

  async #loadAt(sequenceNr: number): Promise<Snapshot<S, A> | null> {
    const exact = new SnapshotSelectionCriteria({ minSequenceNr: sequenceNr, maxSequenceNr: sequenceNr });
    const selected = await this.snapshotStore.load(this.persistenceId, exact);
    return selected ? this.#unwrap(selected.snapshot, sequenceNr) : null;
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
