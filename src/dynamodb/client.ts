/**
 * The lazy loader of `@aws-sdk/client-dynamodb` (an optional peer dependency: importing
 * `memento-es/dynamodb` must not fail for users who have not installed it yet), and the
 * one place that sends commands.
 * @module
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../core/errors.js';

/** The SDK module, as the plugin uses it. */
export type DynamoDbModule = typeof import('@aws-sdk/client-dynamodb');

/** A DynamoDB item: attribute name to value, as the SDK's low-level commands take it. */
export type Item = Record<string, AttributeValue>;

let loading: Promise<DynamoDbModule> | undefined;

/** Loads `@aws-sdk/client-dynamodb` once; fails with instructions when it is missing. */
export function loadDynamoDb(): Promise<DynamoDbModule> {
  loading ??= import('@aws-sdk/client-dynamodb').catch((cause: unknown) => {
    loading = undefined;
    const reason = cause instanceof Error ? (cause.message.split('\n')[0] ?? cause.message) : String(cause);
    throw new StoreUnavailableError(
      `cannot load @aws-sdk/client-dynamodb (${reason}); install it with "npm install @aws-sdk/client-dynamodb"`,
      { source: 'dynamodb', expected: '@aws-sdk/client-dynamodb installed', actual: reason, cause },
    );
  });
  return loading;
}

/** True when `value` looks like a DynamoDBClient (duck-typed: another copy of the SDK is fine). */
export function isDynamoDbClient(value: unknown): value is DynamoDBClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.send === 'function' && typeof candidate.destroy === 'function';
}
