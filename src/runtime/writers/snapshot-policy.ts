/**
 * When to take an automatic snapshot: every N events since the last snapshot (counted,
 * not `sequenceNr % N`, so a batch that jumps past a multiple still triggers), when the
 * definition's predicate says so, or after a quiet period (a debounce, as the mintBlue
 * recorder does it).
 * @module
 */
import { Debounce } from '../../core/timers.js';

/** Counts events since the last snapshot and runs the idle debounce. */
export class SnapshotPolicy {
  #eventsSinceSnapshot = 0;
  #bytesSinceSnapshot = 0;
  readonly #idle: Debounce | undefined;

  constructor(
    private readonly snapshotEvery: number | undefined,
    idleMs: number | undefined,
    onIdle: () => void,
    private readonly snapshotEveryBytes: number | undefined = undefined,
  ) {
    this.#idle = idleMs === undefined ? undefined : new Debounce(idleMs, onIdle);
  }

  /** Events applied since the last snapshot was taken (or recovered from). */
  get eventsSinceSnapshot(): number {
    return this.#eventsSinceSnapshot;
  }

  /** True while an idle snapshot is waiting for its quiet period. */
  get idlePending(): boolean {
    return this.#idle?.pending ?? false;
  }

  /** True when the encoded size of events must be measured (`snapshotEveryBytes` is set). */
  get countsBytes(): boolean {
    return this.snapshotEveryBytes !== undefined;
  }

  /** Which threshold a due snapshot passed: for the recovery report and logs. */
  get dueBecause(): 'events' | 'bytes' | undefined {
    if (this.snapshotEvery !== undefined && this.#eventsSinceSnapshot >= this.snapshotEvery) return 'events';
    if (this.snapshotEveryBytes !== undefined && this.#bytesSinceSnapshot >= this.snapshotEveryBytes) return 'bytes';
    return undefined;
  }

  /** After recovery: the events (and their encoded bytes) replayed on top of the snapshot count. */
  reset(eventsSinceSnapshot: number, bytesSinceSnapshot = 0): void {
    this.#eventsSinceSnapshot = eventsSinceSnapshot;
    this.#bytesSinceSnapshot = bytesSinceSnapshot;
    this.#idle?.cancel();
  }

  /** Records the encoded size of stored events (counted at the next `afterEvents`). */
  addBytes(bytes: number): void {
    this.#bytesSinceSnapshot += bytes;
  }

  /** Records applied events; true when a snapshot is due now. */
  afterEvents(count: number, predicateHit: boolean): boolean {
    this.#eventsSinceSnapshot += count;
    if (count > 0) this.#idle?.touch();
    return predicateHit || this.dueBecause !== undefined;
  }

  /** A snapshot was taken: start counting again. */
  taken(): void {
    this.#eventsSinceSnapshot = 0;
    this.#bytesSinceSnapshot = 0;
    this.#idle?.cancel();
  }

  /** Stops the idle wait (entity stopped or passivated). */
  cancel(): void {
    this.#idle?.cancel();
  }
}
