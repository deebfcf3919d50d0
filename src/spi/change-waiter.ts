/**
 * The one poll-with-backoff tailer: waiting for "something may have changed" in a live
 * read (persistence queries, a machine's journal reader): a notification, a poll timer
 * backing off while nothing happens, or cancellation, whichever comes first. The poll
 * timers are unref'd; a started (live) waiter instead holds the process open until closed,
 * so a live reader keeps running with nothing else scheduled. A store closed under a waiting
 * reader ends the wait at once with the store's StoreClosedError (its `closeSignal`).
 * @module
 */
import { holdProcess, type ProcessHold, sleep } from '../core/timers.js';
import type { QueryableJournal } from './queryable-journal.js';

/** Anything that may announce changes (a journal, a durable state store), and its close. */
export type ChangeSource = Partial<Pick<QueryableJournal, 'subscribe' | 'closeSignal'>>;

/** `store` as a change source whose notifications are not used (it declares no `live`): only its close wakes a waiter. */
export function closeOnly(store: ChangeSource): ChangeSource {
  return store.closeSignal ? { closeSignal: store.closeSignal } : {};
}

/** Poll intervals of live queries. */
export interface PollOptions {
  /** First wait after an empty read. @default 50 */
  readonly minPollMs?: number;
  /** Longest wait between reads when nothing happens (and no notification arrives). @default 2000 */
  readonly maxPollMs?: number;
}

/**
 * Wakes a live query on notifications, a backing-off timer, or abort; fails the wait with
 * the store's StoreClosedError when the source's `closeSignal` aborts (an abort of the query's
 * own signal first ends it normally instead).
 */
export class ChangeWaiter {
  readonly #minMs: number;
  readonly #maxMs: number;
  #delayMs: number;
  #wake: (() => void) | undefined;
  #pending = false;
  #subscription: Promise<{ close(): Promise<void> } | undefined> | undefined;
  #hold: ProcessHold | undefined;
  #subscribed = false;

  constructor(
    private readonly journal: ChangeSource,
    private readonly signal: AbortSignal | undefined,
    options: PollOptions = {},
  ) {
    this.#minMs = options.minPollMs ?? 50;
    this.#maxMs = Math.max(options.maxPollMs ?? 2000, this.#minMs);
    this.#delayMs = this.#minMs;
  }

  /** Goes live: holds the process open until {@link close}, and listens for append notifications when the journal offers them. */
  start(): void {
    if (this.#hold === undefined && !this.signal?.aborted) {
      const hold = holdProcess();
      this.#hold = hold;
      // Released at abort or store close even while the consumer is parked at a yield and never resumes.
      this.signal?.addEventListener('abort', hold.release, { once: true });
      this.journal.closeSignal?.addEventListener('abort', hold.release, { once: true });
    }
    if (!this.journal.subscribe || this.#subscription) return;
    this.#subscription = this.journal
      .subscribe(() => {
        this.#pending = true;
        this.#wake?.();
      })
      .catch(() => undefined) // Without notifications the timer still polls.
      .finally(() => {
        this.#subscribed = true;
      });
  }

  /** Call after a read that found something: the next wait starts short again. */
  progressed(): void {
    this.#delayMs = this.#minMs;
  }

  /**
   * Resolves on the next notification, the poll timer, or abort (then returns false); rejects
   * with the source's close reason (a StoreClosedError) once the store is closed.
   */
  async wait(): Promise<boolean> {
    if (!this.#open()) return false;
    if (this.#pending) {
      this.#pending = false;
      return true;
    }
    if (this.#subscription && !this.#subscribed) {
      // A change made before the subscription took hold was announced to no one: once it
      // holds, read again instead of sleeping through that change until the next poll.
      await Promise.race([this.#subscription, sleep(this.#delayMs, this.signal, (wake) => this.#onClose(wake))]);
      return this.#open();
    }
    await sleep(this.#delayMs, this.signal, (wake) => {
      this.#wake = wake;
      const stopListening = this.#onClose(wake);
      return () => {
        this.#wake = undefined;
        stopListening();
      };
    });
    this.#pending = false;
    this.#delayMs = Math.min(this.#delayMs * 2, this.#maxMs);
    return this.#open();
  }

  /** False once the query's signal aborted; throws the close reason once the store closed. */
  #open(): boolean {
    if (this.signal?.aborted) return false;
    const closed = this.journal.closeSignal;
    if (closed?.aborted) throw closed.reason;
    return true;
  }

  /** Calls `wake` when the store closes; returns how to stop listening. */
  #onClose(wake: () => void): () => void {
    const closed = this.journal.closeSignal;
    if (!closed) return () => {};
    closed.addEventListener('abort', wake, { once: true });
    return () => closed.removeEventListener('abort', wake);
  }

  /**
   * Stops listening and releases the process. Returns at once when the subscription is still being set up (it is
   * closed once it is), so an aborted live query ends promptly in every state.
   */
  async close(): Promise<void> {
    if (this.#hold) {
      this.#hold.release();
      this.signal?.removeEventListener('abort', this.#hold.release);
      this.journal.closeSignal?.removeEventListener('abort', this.#hold.release);
    }
    const pending = this.#subscription;
    if (!pending) return;
    const closeIt = (subscription: { close(): Promise<void> } | undefined) => subscription?.close().catch(() => undefined);
    let settled: { close(): Promise<void> } | undefined | null = null;
    void pending.then((subscription) => {
      settled = subscription;
    });
    await Promise.resolve();
    if (settled === null) {
      void pending.then(closeIt);
      return;
    }
    await closeIt(settled);
  }
}

/**
 * `read`, or `undefined` as soon as `signal` aborts: a live query blocked on a page read
 * (for one, waiting for a pool connection) ends on abort without waiting for it. The
 * abandoned read's outcome is ignored.
 */
export function unlessAborted<T>(read: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return read;
  if (signal.aborted) {
    read.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    read.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) resolve(undefined);
        else reject(error);
      },
    );
  });
}
