/**
 * Turns AWS SDK failures into Memento's typed errors, naming the table and operation, so
 * "ResourceNotFoundException" never reaches a user bare.
 * @module
 */
import { InvalidArgumentError, isMementoError, StoreUnavailableError } from '../core/errors.js';
import { MAX_ITEM_BYTES } from './item-size.js';

/** The plugin name used in errors, logs and hooks. */
export const NAME = 'dynamodb';

/** Where a failure happened, for the message. */
export interface FailureContext {
  readonly table: string;
  /** What was being done, e.g. `journal.write`. */
  readonly operation: string;
  readonly persistenceId?: string | undefined;
}

/** The SDK's error name (its exception type), if it has one. */
export function awsErrorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** True when a conditional write's condition did not hold: another writer got there first. */
export function isConditionFailure(error: unknown): boolean {
  return awsErrorName(error) === 'ConditionalCheckFailedException';
}

/**
 * Awaits a conditional write whose failed condition means there is nothing left to do (a
 * concurrent writer got further, or the item is gone): false then; other failures are thrown.
 */
export async function unlessConditionFails(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return false;
  }
}

/**
 * False when the SDK sent the request once: a failed condition then cannot be our own earlier
 * attempt. True when it retried, or when the error does not say (a client of another kind).
 */
export function mayHaveBeenSentBefore(error: unknown): boolean {
  const attempts = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts !== 'number' || attempts > 1;
}

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TooManyRequestsException',
]);

/**
 * Maps a failure to a typed error: Memento errors pass through; a missing table, throttling,
 * a refused item size, and any other SDK or network failure get a message that says what
 * was expected and what to do.
 */
export function storeFailure(error: unknown, context: FailureContext): Error {
  if (isMementoError(error)) return error;
  const name = awsErrorName(error) ?? 'Error';
  const reason = error instanceof Error ? error.message : String(error);
  const where = `${context.operation} on table ${JSON.stringify(context.table)}`;
  const details = { source: NAME, persistenceId: context.persistenceId, cause: error };
  if (name === 'ResourceNotFoundException') {
    return new StoreUnavailableError(
      `${where}: the table does not exist (${reason}); create it with createTable() from memento-es/dynamodb, or pass createTableIfMissing: true (docs/dynamodb.md)`,
      { ...details, expected: 'an existing table', actual: 'no such table' },
    );
  }
  if (THROTTLED.has(name)) {
    return new StoreUnavailableError(
      `${where}: throttled after the SDK's retries (${name}: ${reason}); see "Capacity and hot partitions" in docs/dynamodb.md`,
      { ...details, expected: 'capacity for the request', actual: name },
    );
  }
  if (name === 'ValidationException' && /item size/i.test(reason)) {
    return new InvalidArgumentError('item', `${where}: DynamoDB refused the item as larger than ${MAX_ITEM_BYTES} bytes (${reason})`, {
      ...details,
      expected: `<= ${MAX_ITEM_BYTES} bytes`,
      actual: reason,
    });
  }
  return new StoreUnavailableError(`${where} failed (${name}: ${reason})`, { ...details, expected: 'success', actual: name });
}
