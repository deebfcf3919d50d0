/**
 * The lazy loader of `@aws-sdk/client-dynamodb` (an optional peer dependency: importing
 * `memento-es/dynamodb` must not fail for users who have not installed it yet).
 * @module
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requireOptionalPeer } from '../core/optional-peer.js';

/** The SDK module, as the plugin uses it. */
export type DynamoDbModule = typeof import('@aws-sdk/client-dynamodb');

/** A DynamoDB item: attribute name to value, as the SDK's low-level commands take it. */
export type Item = Record<string, AttributeValue>;

let sdk: DynamoDbModule | undefined;

/** Loads `@aws-sdk/client-dynamodb` once; a PeerDependencyError says how to install it when missing. */
export function loadDynamoDb(): DynamoDbModule {
  sdk ??= requireOptionalPeer<DynamoDbModule>({ name: '@aws-sdk/client-dynamodb', source: 'dynamodb' });
  return sdk;
}

/** True when `value` looks like a DynamoDBClient (duck-typed: another copy of the SDK is fine). */
export function isDynamoDbClient(value: unknown): value is DynamoDBClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.send === 'function' && typeof candidate.destroy === 'function';
}
