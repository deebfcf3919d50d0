/**
 * DynamoDB's item size, computed before a write so an item over the limit is refused with
 * a clear error naming its size rather than a bare ValidationException, and so large
 * snapshots know to go elsewhere.
 * @module
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from './client.js';

/** DynamoDB's largest item: 400 KB, attribute names included. */
export const MAX_ITEM_BYTES = 400 * 1024;

const utf8Length = (value: string): number => Buffer.byteLength(value, 'utf8');

/**
 * Size of a number as DynamoDB counts it: one byte per two significant digits plus one.
 * Counting every digit (leading and trailing zeros included) errs on the large side.
 */
function numberSize(text: string): number {
  const digits = text.replace(/[^0-9]/g, '').length;
  return Math.ceil(digits / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Length(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [name, inner]) => sum + 1 + utf8Length(name) + valueSize(inner), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, inner) => sum + 1 + valueSize(inner), 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, inner) => sum + utf8Length(inner), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, inner) => sum + numberSize(inner), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, inner) => sum + inner.byteLength, 0);
  return 0;
}

/** The item's size in bytes as DynamoDB counts it (names plus values), rounded up where it estimates. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8Length(name) + valueSize(value);
  return size;
}
