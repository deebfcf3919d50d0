/**
 * The one retry loop of every plugin: exponential backoff with equal jitter, bounded by a
 * number of attempts and/or an overall deadline, with an optional per-attempt timeout. A
 * plugin supplies only which of its errors are transient.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How a store retries operations that are safe to repeat. */
export interface RetryOptions {
  /** Attempts in total, the first included; 1 disables retries. Default per plugin. */
  readonly attempts?: number;
  /** Backoff before the second attempt; doubles each time, with jitter. Default per plugin. */
  readonly initialDelayMs?: number;
  /** Largest backoff between attempts. Default per plugin. */
  readonly maxDelayMs?: number;
  /** No new attempt starts after this many ms since the first; then the call fails. Default per plugin. */
  readonly deadlineMs?: number;
  /** One attempt is aborted (its signal fires) after this many ms, e.g. a stalled response. Default per plugin. */
  readonly attemptTimeoutMs?: number;
}

/** A retry policy with every setting filled in (`Infinity` where a bound does not apply). */
export type RetryPolicy = Required<RetryOptions>;

/** Fills in `options` from a plugin's `defaults`; bounds left out of both do not apply. */
export function retryPolicy(options: RetryOptions = {}, defaults: RetryOptions = {}): RetryPolicy {
  const pick = (name: keyof RetryOptions, fallback: number) => options[name] ?? defaults[name] ?? fallback;
  return {
    attempts: Math.max(1, Math.floor(pick('attempts', Number.POSITIVE_INFINITY))),
    initialDelayMs: Math.max(0, pick('initialDelayMs', 50)),
    maxDelayMs: Math.max(0, pick('maxDelayMs', 1000)),
    deadlineMs: Math.max(0, pick('deadlineMs', Number.POSITIVE_INFINITY)),
    attemptTimeoutMs: Math.max(1, pick('attemptTimeoutMs', Number.POSITIVE_INFINITY)),
  };
}

/** What the loop reports when it gives up. */
export interface RetryFailure {
  readonly error: unknown;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** True when the error was transient but the attempts or the deadline ran out. */
  readonly exhausted: boolean;
}

/** What a plugin tells the loop. */
export interface RetryRules {
  /** True for failures worth another attempt (a timed-out attempt always is). */
  readonly isTransient: (error: unknown) => boolean;
  /** Checked after each failure: true stops retrying (e.g. the store was closed). */
  readonly shouldStop?: () => boolean;
  /** The error to reject with when giving up. @default the last failure, unchanged */
  readonly fail?: (failure: RetryFailure) => unknown;
}

/** The error an attempt's signal is aborted with when it took longer than `attemptTimeoutMs`. */
export class AttemptTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * The wait before attempt `attempt + 1`: the doubled delay capped at `maxDelayMs`, half of
 * it fixed and half random ("equal jitter"). The random half spreads the retries of many
 * processes after an outage; the fixed half keeps a retry limited by attempts from firing
 * them all at once.
 */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return delay / 2 + (Math.random() * delay) / 2;
}

/** The signal given to attempts that cannot read it: nothing holds its controller, so it never aborts. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs `attempt` until it succeeds, a failure is not transient, the attempts or the
 * deadline run out, or `shouldStop()`; then rejects with `fail(...)`. Each attempt gets a
 * signal aborted after `attemptTimeoutMs`.
 */
export async function withRetry<T>(policy: RetryPolicy, attempt: (signal: AbortSignal) => Promise<T>, rules: RetryRules): Promise<T> {
  const started = performance.now();
  const timeout = Number.isFinite(policy.attemptTimeoutMs);
  // An AbortController per attempt is a visible share of a fast read's CPU and garbage. Only the
  // attempt timer aborts it, so without a timer an attempt that declares no parameter (it cannot
  // see the signal) gets the shared one; one that takes the signal still gets its own, since a
  // driver may add a listener to it per request and a shared signal would collect them all.
  const signals = timeout || attempt.length > 0;
  for (let attempts = 1; ; attempts++) {
    const controller = signals ? new AbortController() : undefined;
    const timer =
      controller && timeout
        ? setTimeout(() => controller.abort(new AttemptTimeoutError(policy.attemptTimeoutMs)), policy.attemptTimeoutMs)
        : undefined;
    try {
      return await attempt(controller?.signal ?? NEVER_ABORTED);
    } catch (caught) {
      // An abort by our own timer shows up as an AbortError: report it as the timeout it was.
      const timedOut = controller?.signal.aborted === true;
      const error = timedOut ? controller?.signal.reason : caught;
      const elapsedMs = performance.now() - started;
      const transient = timedOut || rules.isTransient(error);
      const backoff = backoffMs(policy, attempts);
      if (!transient || attempts >= policy.attempts || rules.shouldStop?.() || elapsedMs + backoff > policy.deadlineMs) {
        throw rules.fail ? rules.fail({ error, attempts, elapsedMs, exhausted: transient }) : error;
      }
      await sleep(backoff);
    } finally {
      clearTimeout(timer);
    }
  }
}
