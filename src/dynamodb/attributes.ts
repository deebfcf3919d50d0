/**
 * Reading and writing attribute values, with stored items checked as they are read: an
 * item that lacks a key attribute or holds the wrong type is reported, never guessed at.
 * @module
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptDataError } from '../core/errors.js';
import type { Item } from './client.js';
import { NAME } from './errors.js';

/** A string attribute. */
export const stringValue = (value: string): AttributeValue => ({ S: value });
/** A number attribute (safe integers only: every number Memento stores is one). */
export const numberValue = (value: number): AttributeValue => ({ N: String(value) });
/** A binary attribute. */
export const binaryValue = (value: Uint8Array): AttributeValue => ({ B: value });

function malformed(item: Item, name: string, expected: string, persistenceId: string): never {
  throw new CorruptDataError(
    `item ${JSON.stringify(item.pk?.S ?? '?')} / ${item.sk?.N ?? '?'}: expected attribute "${name}" to be ${expected}, found ${JSON.stringify(item[name] ?? null)}`,
    { persistenceId, expected, actual: item[name], source: NAME },
  );
}

/** A number attribute as a safe integer; throws CorruptDataError when missing or not one. */
export function readNumber(item: Item, name: string, persistenceId: string): number {
  const value = Number(item[name]?.N);
  if (!Number.isSafeInteger(value)) malformed(item, name, 'a safe integer', persistenceId);
  return value;
}

/** An optional number attribute. */
export function readOptionalNumber(item: Item, name: string, persistenceId: string): number | undefined {
  return item[name] === undefined ? undefined : readNumber(item, name, persistenceId);
}

/** An optional binary attribute. */
export function readOptionalBinary(item: Item, name: string, persistenceId: string): Uint8Array | undefined {
  const value = item[name];
  if (value === undefined) return undefined;
  if (!(value.B instanceof Uint8Array)) malformed(item, name, 'binary', persistenceId);
  return value.B;
}

/** An optional string attribute. */
export function readOptionalString(item: Item, name: string, persistenceId: string): string | undefined {
  const value = item[name];
  if (value === undefined) return undefined;
  if (typeof value.S !== 'string') malformed(item, name, 'a string', persistenceId);
  return value.S;
}
