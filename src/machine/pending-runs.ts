/**
 * Matches `run` calls to the delivery of their action. The writer answers with the id;
 * the reader may deliver the action before or after that answer, so outcomes delivered
 * while writes are in flight are kept until their caller asks.
 * @module
 */
import { type Deferred, deferred } from './deferred.js';

/** Outcomes of delivered actions, handed to the `run` calls waiting for them. */
export class PendingRuns<T> {
  /** Callers waiting for their action, by action id. */
  readonly #waiters = new Map<string, Deferred<T>>();
  /** Outcomes delivered while writes were in flight: the reader may beat the writer's reply. */
  readonly #early = new Map<string, T>();
  #writesInFlight = 0;

  /** Counts a write as in flight until {@link claim} or {@link abandon}: deliveries meanwhile are kept. */
  begin(): void {
    this.#writesInFlight++;
  }

  /** Ends a write that failed: nobody will claim its outcome. */
  abandon(): void {
    this.#writesInFlight--;
    if (this.#writesInFlight === 0) this.#early.clear();
  }

  /**
   * Ends a write and returns the outcome of its action `id`: at once if already delivered,
   * else when it is. Counting the write until here (not until the writer answered) closes
   * the gap between the writer's answer and this call, where a delivery would be lost.
   */
  claim(id: string): Promise<T> {
    this.#writesInFlight--;
    const early = this.#early.get(id);
    if (this.#writesInFlight === 0) this.#early.clear();
    else this.#early.delete(id);
    if (early !== undefined) return Promise.resolve(early);
    const waiter = deferred<T>();
    this.#waiters.set(id, waiter);
    return waiter.promise;
  }

  /** Records the outcome of a delivered action for whoever waits for it. */
  delivered(id: string, outcome: T): void {
    const waiter = this.#waiters.get(id);
    if (waiter) {
      this.#waiters.delete(id);
      waiter.resolve(outcome);
    } else if (this.#writesInFlight > 0) {
      this.#early.set(id, outcome);
    }
  }

  /** Fails every waiting caller (the machine stopped or its reader failed). */
  rejectAll(error: Error): void {
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
    this.#early.clear();
  }
}
