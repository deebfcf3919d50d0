/**
 * Akka's circuit breaker for a store: after `maxFailures` failures in a row (an error, or a
 * call that took longer than `callTimeoutMs`) it opens, and every call fails at once with
 * CircuitOpenError instead of piling up against a store that is down; `resetTimeoutMs` later
 * it half-opens and lets one trial call through, which closes it (success) or opens it again.
 * @module
 */
import { CircuitOpenError, ErrorCodes, isMementoError, StoreUnavailableError } from '../core/errors.js';
import { type OneShotTimer, startTimer } from '../core/timers.js';
import { invalidArgument, validateInteger } from '../core/validation.js';

/** The settings of one breaker. */
export interface CircuitBreakerSettings {
  /** Failures in a row that open the breaker. */
  readonly maxFailures: number;
  /** A call slower than this fails (StoreUnavailableError) and counts as a failure. */
  readonly callTimeoutMs: number;
  /** How long the breaker stays open before it lets a trial call through. */
  readonly resetTimeoutMs: number;
}

/** Breaker options as users write them: any field left out takes the store's default; `false` turns the breaker off. */
export type CircuitBreakerOptions = Partial<CircuitBreakerSettings> | false;

/** Akka's journal breaker: 10 failures, 10 s call timeout, 30 s reset. */
export const JOURNAL_BREAKER_DEFAULTS: CircuitBreakerSettings = Object.freeze({
  maxFailures: 10,
  callTimeoutMs: 10_000,
  resetTimeoutMs: 30_000,
});

/** Akka's snapshot store breaker: 5 failures, 20 s call timeout, 60 s reset. */
export const SNAPSHOT_BREAKER_DEFAULTS: CircuitBreakerSettings = Object.freeze({
  maxFailures: 5,
  callTimeoutMs: 20_000,
  resetTimeoutMs: 60_000,
});

/** Where a breaker reads the time (tests pass a fake one). */
export interface BreakerClock {
  now(): number;
}

/** The state a breaker is in. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Validates breaker options (`argument` names them) over `defaults`; undefined when turned off. */
export function circuitBreakerSettings(
  options: CircuitBreakerOptions | undefined,
  defaults: CircuitBreakerSettings,
  argument: string,
): CircuitBreakerSettings | undefined {
  if (options === false) return undefined;
  if (options === undefined) return defaults;
  if (typeof options !== 'object' || options === null)
    invalidArgument(argument, 'breaker options ({ maxFailures, callTimeoutMs, resetTimeoutMs }) or false', options);
  const field = (name: keyof CircuitBreakerSettings) =>
    options[name] === undefined ? defaults[name] : validateInteger(options[name], `${argument}.${name}`, {}, { min: 1 });
  return { maxFailures: field('maxFailures'), callTimeoutMs: field('callTimeoutMs'), resetTimeoutMs: field('resetTimeoutMs') };
}

/** Errors that say the caller asked wrongly, not that the store is failing: they never count. */
function isCallersFault(error: unknown): boolean {
  return (
    isMementoError(error, ErrorCodes.concurrency) ||
    isMementoError(error, ErrorCodes.invalidArgument) ||
    isMementoError(error, ErrorCodes.invalidPersistenceId)
  );
}

/** One breaker, shared by every call to one store. */
export class CircuitBreaker {
  readonly #store: string;
  readonly #settings: CircuitBreakerSettings;
  readonly #clock: BreakerClock;
  #failures = 0;
  #openedAt: number | undefined;
  #trialRunning = false;
  /** Calls still waiting for an answer, oldest first. */
  readonly #inFlight = new Set<InFlight>();
  #timer: OneShotTimer | undefined;

  /** `store` names the store in errors, e.g. `journal`. */
  constructor(store: string, settings: CircuitBreakerSettings, clock: BreakerClock = Date) {
    this.#store = store;
    this.#settings = settings;
    this.#clock = clock;
  }

  /** Where the breaker stands now. */
  get state(): CircuitState {
    if (this.#openedAt === undefined) return 'closed';
    return this.#clock.now() - this.#openedAt >= this.#settings.resetTimeoutMs ? 'half-open' : 'open';
  }

  /** Runs `work` through the breaker (`what` and `persistenceId` name it in errors). */
  call<T>(what: string, persistenceId: string | undefined, work: () => Promise<T>): Promise<T> {
    let trial: boolean;
    try {
      trial = this.#admit(what, persistenceId);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      // Counts the call once, on its first outcome: a call that timed out was counted then and
      // its late answer changes nothing.
      const end = (failed: boolean, error?: unknown): boolean => {
        if (!this.#inFlight.delete(call)) return false;
        if (trial) this.#trialRunning = false;
        if (failed && !isCallersFault(error)) this.#failed();
        else this.#succeeded();
        return true;
      };
      const call: InFlight = {
        deadline: performance.now() + this.#settings.callTimeoutMs,
        timedOut: () => {
          const { callTimeoutMs } = this.#settings;
          const error = new StoreUnavailableError(
            `${what}: the ${this.#store} did not answer within ${callTimeoutMs} ms (circuit breaker call timeout)`,
            { persistenceId, expected: `an answer within ${callTimeoutMs} ms`, actual: 'no answer' },
          );
          if (end(true, error)) reject(error);
        },
      };
      this.#watch(call);
      let answer: Promise<T>;
      try {
        answer = work();
      } catch (error) {
        if (end(true, error)) reject(error);
        return;
      }
      answer.then(
        (value) => {
          if (end(false)) resolve(value);
        },
        (error: unknown) => {
          if (end(true, error)) reject(error);
        },
      );
    });
  }

  /**
   * For calls that cannot be timed as one (a replay's iteration, which may rightly run for
   * long): fails at once when open, else returns the functions that report how the call ended.
   */
  begin(what: string, persistenceId: string | undefined): { succeeded(): void; failed(error: unknown): void } {
    const trial = this.#admit(what, persistenceId);
    let settled = false;
    const settle = (work: () => void) => {
      if (settled) return;
      settled = true;
      if (trial) this.#trialRunning = false;
      work();
    };
    return {
      succeeded: () => settle(() => this.#succeeded()),
      failed: (error) => settle(() => (isCallersFault(error) ? this.#succeeded() : this.#failed())),
    };
  }

  /** Lets a call through or throws CircuitOpenError; true when the call is the half-open trial. */
  #admit(what: string, persistenceId: string | undefined): boolean {
    const state = this.state;
    if (state === 'closed') return false;
    if (state === 'half-open' && !this.#trialRunning) {
      this.#trialRunning = true;
      return true;
    }
    const retryAfterMs = Math.max(0, (this.#openedAt as number) + this.#settings.resetTimeoutMs - this.#clock.now());
    throw new CircuitOpenError(
      `${what}: the ${this.#store} circuit breaker is open after ${this.#settings.maxFailures} failures in a row; the call was not sent (a trial call goes through in ${retryAfterMs} ms)`,
      {
        persistenceId,
        expected: 'a closed circuit breaker',
        actual: state === 'open' ? 'open' : 'half-open, trial call running',
        retryAfterMs,
      },
    );
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
  }

  #failed(): void {
    this.#failures++;
    // A failed trial opens the breaker again at once; otherwise it takes maxFailures in a row.
    if (this.#openedAt !== undefined || this.#failures >= this.#settings.maxFailures) this.#openedAt = this.#clock.now();
  }

  /**
   * Times `call` out with the breaker's one timer rather than a timer per call: calls enter
   * #inFlight in the order they started and all share one timeout, so the first one left
   * there is always the next to expire.
   */
  #watch(call: InFlight): void {
    this.#inFlight.add(call);
    this.#timer ??= startTimer(this.#settings.callTimeoutMs, () => this.#expire());
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const call of this.#inFlight) {
      if (call.deadline > now) {
        this.#timer = startTimer(call.deadline - now, () => this.#expire());
        return;
      }
      call.timedOut();
    }
  }
}

/** A timed call that has not answered yet. */
interface InFlight {
  /** When it times out, on performance.now()'s clock. */
  readonly deadline: number;
  /** Fails the call with the timeout error. */
  readonly timedOut: () => void;
}
