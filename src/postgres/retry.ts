/**
 * Bounded retries with exponential backoff and jitter, for operations that are safe to
 * repeat (reads, idempotent deletes and upserts).
 * @module
 */
import { isTransient } from './errors.js';

/** Retry policy for operations safe to repeat. */
export interface RetryOptions {
  /** Attempts in total, the first included; 1 disables retries. @default 4 */
  readonly attempts?: number;
  /** Delay before the first retry, doubled each time, with jitter. @default 50 */
  readonly initialDelayMs?: number;
  /** Longest delay between attempts. @default 1000 */
  readonly maxDelayMs?: number;
}

/** A retry policy with defaults filled in. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Fills in defaults. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? 4)),
    initialDelayMs: Math.max(0, options.initialDelayMs ?? 50),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 1000),
  };
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work`, retrying transient failures per `policy`; the last failure is rethrown. */
export async function withRetry<T>(policy: RetryPolicy, work: () => Promise<T>, retryable = isTransient): Promise<T> {
  let delay = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error)) throw error;
      // Full jitter spreads retries of many processes after a server restart.
      await sleep(Math.min(policy.maxDelayMs, delay) * (0.5 + Math.random() / 2));
      delay *= 2;
    }
  }
}
