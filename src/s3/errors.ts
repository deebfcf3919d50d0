/**
 * How S3 failures become Memento errors: a call that still fails after its retries is a
 * {@link StoreUnavailableError} naming the operation, bucket, key and persistence id, with
 * the SDK error as cause, stripped of anything that could carry credentials.
 * @module
 */
import { StoreUnavailableError } from '../core/errors.js';
import type { RetryFailure } from '../spi/retry.js';
import type { DeleteObjectsOutput } from './client.js';
import { httpStatusOf } from './helpers.js';

/** The plugin name in errors, logs and hooks. */
export const S3_SOURCE = 's3';

/** Names an operation in error messages. */
export interface CallContext {
  readonly operation: string;
  readonly command: string;
  /** Undefined for calls over every id (a listing of ids). */
  readonly persistenceId: string | undefined;
  readonly key: string;
}

/** The error of a call that failed for good (not retryable, or out of time). */
export function unavailable(bucket: string, context: CallContext, failure: RetryFailure): StoreUnavailableError {
  const { error, attempts, elapsedMs, exhausted } = failure;
  const status = httpStatusOf(error);
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  const reason = error instanceof Error ? error.message : String(error);
  const found = `${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${reason}`;
  const why = exhausted ? `still failing after ${attempts} attempts in ${Math.round(elapsedMs)} ms` : `failed (not retryable)`;
  return new StoreUnavailableError(
    `${context.operation}${context.persistenceId === undefined ? '' : ` of ${JSON.stringify(context.persistenceId)}`}: ${context.command} of bucket ${JSON.stringify(bucket)} key ${JSON.stringify(context.key)} ${why}: ${found}`,
    {
      persistenceId: context.persistenceId,
      expected: `a successful ${context.command}`,
      actual: found,
      cause: sanitizeCause(error),
      source: S3_SOURCE,
    },
  );
}

/** The error of a DeleteObjects answer listing keys it could not delete (a missing key is no failure); undefined when all went. */
export function deleteFailure(
  bucket: string,
  operation: string,
  persistenceId: string,
  batchSize: number,
  result: DeleteObjectsOutput,
): StoreUnavailableError | undefined {
  const failed = (result.Errors ?? []).filter((entry) => entry.Code !== 'NoSuchKey');
  if (failed.length === 0) return undefined;
  const first = failed[0];
  return new StoreUnavailableError(
    `${operation} of ${JSON.stringify(persistenceId)}: DeleteObjects in bucket ${JSON.stringify(bucket)} failed for ${failed.length} of ${batchSize} keys, first ${JSON.stringify(first?.Key)}: ${first?.Code} ${first?.Message ?? ''}`.trim(),
    { persistenceId, expected: 'every key deleted', actual: `${failed.length} failed (${first?.Code})`, source: S3_SOURCE },
  );
}

/**
 * A copy of an SDK error without its raw `$response`, which holds the signed request and
 * its Authorization header (access key id): credentials must never reach errors or logs.
 */
export function sanitizeCause(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { name, message, stack } = error;
  const { code, Code, $fault, $metadata } = error as {
    code?: string;
    Code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const copy = new Error(message);
  Object.assign(copy, {
    name,
    stack,
    code,
    Code,
    $fault,
    $metadata: $metadata && { httpStatusCode: $metadata.httpStatusCode, requestId: $metadata.requestId },
  });
  return copy;
}
