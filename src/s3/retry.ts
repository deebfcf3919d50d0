/**
 * Retrying S3 calls: which failures are transient, and the loop with exponential backoff,
 * full jitter, a per-attempt timeout and an overall deadline.
 * @module
 */
import { httpStatusOf } from './helpers.js';

/** How the S3 store retries transient failures. */
export interface S3RetryOptions {
  /** No new attempt starts after this many ms since the first; then the call fails. @default 15000 */
  readonly deadlineMs?: number;
  /** Backoff before the second attempt; doubles each time, with full jitter. @default 100 */
  readonly baseDelayMs?: number;
  /** Largest backoff between attempts. @default 2000 */
  readonly maxDelayMs?: number;
  /** One attempt (request and body) is aborted after this many ms, e.g. a stalled response. @default 30000 */
  readonly attemptTimeoutMs?: number;
}

/** Retry options with every default filled in. */
export type ResolvedRetryOptions = Required<S3RetryOptions>;

/** Fills in the defaults of {@link S3RetryOptions}. */
export function resolveRetryOptions(options: S3RetryOptions = {}): ResolvedRetryOptions {
  return {
    deadlineMs: options.deadlineMs ?? 15_000,
    baseDelayMs: options.baseDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 2_000,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 30_000,
  };
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'TruncatedBodyError',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * True for failures worth another attempt: 5xx, 429 and throttling, connection resets and
 * refusals, timeouts, bodies cut short, and responses that could not be parsed (a cut-off
 * XML body). 4xx answers (access denied, no such bucket) are final.
 */
export function isTransientS3Error(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, Code, $retryable, message } = error as {
    name?: string;
    code?: string;
    Code?: string;
    $retryable?: unknown;
    message?: string;
  };
  const status = httpStatusOf(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if ($retryable) return true;
  if ((name && TRANSIENT_NAMES.has(name)) || (Code && TRANSIENT_NAMES.has(Code))) return true;
  if (code && TRANSIENT_CODES.has(code)) return true;
  if (typeof message === 'string' && /^(Deserialization error|socket hang up|aborted)/i.test(message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isTransientS3Error(cause);
}

/** What the loop reports when it gives up. */
export interface RetryFailure {
  readonly error: unknown;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** True when the error was transient but the deadline ran out. */
  readonly exhausted: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The error used to abort an attempt that took longer than `attemptTimeoutMs`. */
export class AttemptTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Runs `attempt` until it succeeds, a failure is not transient, or the deadline passes;
 * then rejects with `fail(...)`. Each attempt gets a signal aborted after `attemptTimeoutMs`.
 */
export async function withRetry<T>(
  options: ResolvedRetryOptions,
  attempt: (signal: AbortSignal) => Promise<T>,
  fail: (failure: RetryFailure) => Error,
  shouldStop: () => boolean = () => false,
): Promise<T> {
  const started = performance.now();
  for (let attempts = 1; ; attempts++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeoutError(options.attemptTimeoutMs)), options.attemptTimeoutMs);
    try {
      return await attempt(controller.signal);
    } catch (caught) {
      // An abort by our own timer shows up as an AbortError: report it as the timeout it was.
      const error = controller.signal.aborted ? controller.signal.reason : caught;
      const elapsedMs = performance.now() - started;
      const transient = isTransientS3Error(error);
      const backoff = Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempts - 1));
      if (!transient || shouldStop() || elapsedMs + backoff > options.deadlineMs) {
        throw fail({ error, attempts, elapsedMs, exhausted: transient });
      }
      await sleep(backoff);
    } finally {
      clearTimeout(timer);
    }
  }
}
