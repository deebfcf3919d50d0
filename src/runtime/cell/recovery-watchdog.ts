/**
 * Bounds how long a recovery may wait for the journal or snapshot store without an
 * answer (Akka's recovery timeout). Every snapshot offer or replayed event restarts the
 * wait, so a long replay that keeps moving is never cut short; a store that hangs is.
 * @module
 */
import { type OneShotTimer, startTimer } from '../../core/timers.js';
import { RecoveryTimedOutError } from './runtime-errors.js';

/** Default of `PersistenceOptions.recoveryIdleTimeoutMs` (Akka's 30 s). */
export const DEFAULT_RECOVERY_IDLE_TIMEOUT_MS = 30_000;

/** One recovery's idle timer. */
export class RecoveryWatchdog {
  #timer: OneShotTimer | undefined;
  #expired = false;
  #progress = 0;
  /** When the store last answered (performance.now()). */
  #lastAnswer = 0;
  #fail: ((error: RecoveryTimedOutError) => void) | undefined;
  readonly #timedOut: Promise<never>;

  constructor(
    private readonly timeoutMs: number,
    private readonly persistenceId: string,
  ) {
    this.#timedOut = new Promise<never>((_, reject) => {
      this.#fail = reject;
    });
    // The loser of the race below must not surface as an unhandled rejection.
    this.#timedOut.catch(() => undefined);
  }

  /** True once the wait ran out: whatever the abandoned recovery still delivers is stale. */
  get expired(): boolean {
    return this.#expired;
  }

  /** The store answered (a snapshot offer, an event): restart the wait. */
  touch(): void {
    if (this.#expired) return;
    this.#progress++;
    // Re-arming a timer per event was a large share of a replay's cost: the timer checks this instead.
    this.#lastAnswer = performance.now();
  }

  /** Runs `work`, failing with RecoveryTimedOutError when the store is silent for `timeoutMs`. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.#lastAnswer = performance.now();
    this.#arm(this.timeoutMs);
    try {
      return await Promise.race([work(), this.#timedOut]);
    } finally {
      this.#timer?.cancel();
    }
  }

  /** Fires after `delayMs`; waits on when the store answered meanwhile. */
  #arm(delayMs: number): void {
    this.#timer = startTimer(delayMs, () => {
      const silentMs = performance.now() - this.#lastAnswer;
      if (silentMs < this.timeoutMs) {
        this.#arm(this.timeoutMs - silentMs);
        return;
      }
      this.#expired = true;
      this.#fail?.(
        new RecoveryTimedOutError(
          `recovery of ${JSON.stringify(this.persistenceId)} timed out: the journal or snapshot store did not answer for ${this.timeoutMs} ms (after ${this.#progress} snapshot offers and events); the next command tries again`,
          {
            persistenceId: this.persistenceId,
            expected: `an answer within ${this.timeoutMs} ms (recoveryIdleTimeoutMs)`,
            actual: `no answer for ${this.timeoutMs} ms`,
          },
        ),
      );
    });
  }
}
