/**
 * The head object of an id: a copy of its newest small snapshot plus the key it copies,
 * at `<id prefix>head`, so a cold load fetches it in parallel with the listing instead of
 * after it (one round trip instead of two).
 *
 * The listing stays the index. A head's bytes are used only when the listing's youngest
 * matching snapshot has the head's key, the head's frame length as its size and the MD5 of
 * the head's frame as its ETag (a single-part PutObject's ETag on S3 without KMS, MinIO,
 * s3rver). The head is then byte for byte the listed object, so a newer snapshot, a
 * deleted target, a replaced or damaged object, a damaged head and a head left behind by
 * racing saves (s3rver ignores conditional PUTs) all fall back to the listed object's GET.
 * A server whose ETags are not MD5s never uses the head: loads stay correct, just two trips.
 * @module
 */
import { createHash } from 'node:crypto';
import type { ListedSnapshot } from './listing.js';

/** Snapshots whose frame is at most this many bytes also get a head copy. */
export const HEAD_MAX_BYTES = 64 * 1024;
/** First line of every head object (format version 1). */
const MAGIC = 'memento-s3-head 1\n';

/** The key of an id's head object; not a snapshot key, so listings skip it; sorts after them. */
export const headKey = (base: string): string => `${base}head`;

/** A head object read back: the key it copies and that object's bytes. */
export interface Head {
  readonly key: string;
  readonly frame: Buffer;
}

/** The bytes of a head copying `parts` (a frame) saved under `key`. */
export function encodeHead(key: string, parts: readonly Uint8Array[]): Uint8Array[] {
  return [Buffer.from(`${MAGIC}${key}\n`, 'utf8'), ...parts];
}

/** Parses a head object; undefined when the bytes are not one (damaged or foreign). */
export function decodeHead(bytes: Buffer): Head | undefined {
  if (bytes.length < MAGIC.length || bytes.toString('utf8', 0, MAGIC.length) !== MAGIC) return undefined;
  const end = bytes.indexOf(0x0a, MAGIC.length);
  if (end < 0) return undefined;
  return { key: bytes.toString('utf8', MAGIC.length, end), frame: bytes.subarray(end + 1) };
}

/** True when `head` holds exactly the bytes of the listed object `found` (key, size and MD5 ETag). */
export function headCopies(head: Head, found: ListedSnapshot): boolean {
  if (head.key !== found.key || found.size !== head.frame.length || found.etag === undefined) return false;
  const md5 = createHash('md5').update(head.frame).digest('hex');
  return found.etag.replaceAll('"', '').toLowerCase() === md5;
}
