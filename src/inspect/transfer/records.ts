/**
 * The NDJSON export format: one JSON object per line, a header first, then per id an `id`
 * line (its highest sequence number), its events, its snapshots and its durable state, every field kept:
 * sequence numbers, timestamps, manifests, tags, writer ids and metadata. A value JSON
 * keeps exactly is written as it is (readable, greppable); any other value (a Date, Map,
 * BigInt, bytes, undefined, -0) as base64 MessagePack in a `…Msgpack` field, so nothing
 * changes on the way.
 * @module
 */
import { InvalidArgumentError } from '../../core/errors.js';
import { MessagePackSerializer } from '../../serialization/msgpack-serializer.js';

/** The header's `format`. */
export const EXPORT_FORMAT = 'memento-export';
/** The format version this code writes and reads. */
export const EXPORT_VERSION = 1;

/** The first line. */
export interface HeaderRecord {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: number;
  readonly exportedAt: string;
}

/** Starts an id: its highest sequence number, kept even when its first events were deleted. */
export interface IdRecord {
  readonly kind: 'id';
  readonly persistenceId: string;
  readonly highestSequenceNr: number;
}

/** One event. `event` / `metadata` hold JSON values, or `eventMsgpack` / `metadataMsgpack` base64 MessagePack. */
export interface EventRecord {
  readonly kind: 'event';
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly manifest?: string;
  readonly tags?: readonly string[];
  readonly writerId?: string;
  readonly event?: unknown;
  readonly eventMsgpack?: string;
  readonly metadata?: unknown;
  readonly metadataMsgpack?: string;
}

/** One snapshot; `metadata` is the stored SnapshotMetadata.metadata (snapshot version included). */
export interface SnapshotRecord {
  readonly kind: 'snapshot';
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly snapshot?: unknown;
  readonly snapshotMsgpack?: string;
  readonly metadata?: unknown;
  readonly metadataMsgpack?: string;
}

/** One durable state, whole: `value` (null once deleted) or `valueMsgpack`, its revision, tag and time. */
export interface StateRecord {
  readonly kind: 'state';
  readonly persistenceId: string;
  readonly revision: number;
  readonly timestamp: number;
  readonly tag?: string;
  readonly value?: unknown;
  readonly valueMsgpack?: string;
}

/** Any line after the header. */
export type ExportRecord = IdRecord | EventRecord | SnapshotRecord | StateRecord;

const msgpack = new MessagePackSerializer();

/** True when JSON.parse(JSON.stringify(value)) gives back exactly `value`. */
export function isExactJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (!(index in value) || !isExactJson(value[index])) return false;
    return true;
  }
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0 || Object.hasOwn(value, '__proto__')) return false;
  for (const key of Object.keys(value)) if (!isExactJson((value as Record<string, unknown>)[key])) return false;
  return true;
}

/** `{ [field]: value }` when JSON keeps it, else `{ [field + 'Msgpack']: base64 }`; nothing for undefined when `optional`. */
export function encodeField(field: string, value: unknown, optional: boolean): Record<string, unknown> {
  if (value === undefined && optional) return {};
  if (isExactJson(value)) return { [field]: value };
  return { [`${field}Msgpack`]: Buffer.from(msgpack.toBinary(value)).toString('base64') };
}

/** The value of `field` in a record, from either form; undefined when absent. */
export function decodeField(record: Record<string, unknown>, field: string, where: string): unknown {
  const packed = record[`${field}Msgpack`];
  if (packed === undefined) return record[field];
  if (typeof packed !== 'string') {
    throw new InvalidArgumentError(`${field}Msgpack`, `${where}: ${field}Msgpack: expected a base64 string, found ${typeof packed}`, {
      expected: 'base64',
      actual: packed,
    });
  }
  return msgpack.fromBinary(Buffer.from(packed, 'base64'));
}
