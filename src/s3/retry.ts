/**
 * How the S3 store retries: which failures are transient, and the defaults it gives the
 * shared retry loop (src/spi/retry.ts): a deadline rather than a number of attempts, and a
 * per-attempt timeout so a stalled response is retried, not waited for.
 * @module
 */
import { type RetryOptions, type RetryPolicy, retryPolicy } from '../spi/retry.js';
import { httpStatusOf } from './helpers.js';

/**
 * How the S3 store retries transient failures: `deadlineMs` (default 15000),
 * `initialDelayMs` (100), `maxDelayMs` (2000), `attemptTimeoutMs` (30000); `attempts` is
 * unbounded unless set.
 */
export type S3RetryOptions = RetryOptions;

/** The S3 store's retry defaults. */
export const S3_RETRY_DEFAULTS: RetryOptions = { deadlineMs: 15_000, initialDelayMs: 100, maxDelayMs: 2_000, attemptTimeoutMs: 30_000 };

/** Fills in the defaults of {@link S3RetryOptions}. */
export const resolveRetryOptions = (options?: S3RetryOptions): RetryPolicy => retryPolicy(options, S3_RETRY_DEFAULTS);

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
