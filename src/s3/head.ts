/**
 * The head object of an id, at `<id prefix>head`: the key of the id's newest snapshot, its
 * size, and for a snapshot up to `headCopyMaxBytes` a copy of its frame. Every save writes
 * it, every delete of what it names removes it first, so a load reads the head alone, one
 * GET, and lists only when there is no usable head.
 *
 * Why the head can be trusted as the index of the newest snapshot:
 * - a save PUTs the head with its object, then lists the id's newest keys: when a newer
 *   snapshot exists (racing saves in two processes, or an older sequence number saved
 *   later), it deletes the head it may just have overwritten, so a stale head never
 *   outlives the save that wrote it. A head it could not write, or could not remove when it
 *   had to, fails the save;
 * - `delete` and `deleteMatching` delete the head before the objects it may name;
 * - a head that is missing, damaged, of another format, naming a snapshot the criteria do
 *   not select, or naming an object that is gone or unreadable sends the load to the
 *   listing, which reports and skips unreadable objects as before.
 * What it cannot see: objects written or deleted behind the store's back (by hand, by a
 * lifecycle rule, by a version of this store that wrote no head). `headAsIndex: false`
 * keeps every load on the listing for buckets edited that way (docs/s3.md).
 * @module
 */
import { createHash } from 'node:crypto';
import { checksum } from '../serialization/checksum.js';
import type { S3Bucket } from './bucket.js';
import { idPrefix } from './key-layout.js';
import type { ListedSnapshot } from './listing.js';
import { deleteKeys, getWhole, put } from './transfer.js';

/** First line of a head written by this version: it is the index of the newest snapshot. */
const MAGIC = 'memento-s3-head 2\n';
/** First line of heads written before the head became the index: a copy to check against the listing only. */
const LEGACY_MAGIC = 'memento-s3-head 1\n';

/** The key of an id's head object; not a snapshot key, so listings skip it; sorts after them. */
export const headKey = (base: string): string => `${base}head`;

/** A head object read back. */
export interface Head {
  /** The key of the snapshot it names. */
  readonly key: string;
  /** That object's size in bytes. */
  readonly size: number;
  /** A copy of that object's bytes, when it was small enough to copy. */
  readonly frame: Buffer | undefined;
  /** False for a head of the previous format, which only a listing may confirm. */
  readonly indexed: boolean;
}

/** The bytes of a head naming the frame `parts` (of `bytes` bytes) saved under `key`, copying it when at most `copyMax` bytes. */
export function encodeHead(key: string, parts: readonly Uint8Array[], bytes: number, copyMax: number): Uint8Array[] {
  const named = `${key}\n${bytes}`;
  const line = Buffer.from(`${MAGIC}${named} ${checksum(Buffer.from(named, 'utf8')).toString(16)}\n`, 'utf8');
  return bytes <= copyMax ? [line, ...parts] : [line];
}

/** Parses a head object; undefined when the bytes are not one (damaged or foreign). */
export function decodeHead(bytes: Buffer): Head | undefined {
  if (bytes.length >= LEGACY_MAGIC.length && bytes.toString('utf8', 0, LEGACY_MAGIC.length) === LEGACY_MAGIC) {
    const end = bytes.indexOf(0x0a, LEGACY_MAGIC.length);
    if (end < 0) return undefined;
    const frame = bytes.subarray(end + 1);
    return { key: bytes.toString('utf8', LEGACY_MAGIC.length, end), size: frame.length, frame, indexed: false };
  }
  if (bytes.length < MAGIC.length || bytes.toString('utf8', 0, MAGIC.length) !== MAGIC) return undefined;
  const keyEnd = bytes.indexOf(0x0a, MAGIC.length);
  const lineEnd = keyEnd < 0 ? -1 : bytes.indexOf(0x0a, keyEnd + 1);
  if (lineEnd < 0) return undefined;
  const [sizeText, sum] = bytes.toString('utf8', keyEnd + 1, lineEnd).split(' ');
  const named = bytes.subarray(MAGIC.length, keyEnd + 1 + (sizeText?.length ?? 0));
  if (sum !== checksum(named).toString(16)) return undefined;
  const size = Number(sizeText);
  const rest = bytes.subarray(lineEnd + 1);
  if (!Number.isSafeInteger(size) || (rest.length !== 0 && rest.length !== size)) return undefined;
  return { key: bytes.toString('utf8', MAGIC.length, keyEnd), size, frame: rest.length === 0 ? undefined : rest, indexed: true };
}

/** True when `head` holds exactly the bytes of the listed object `found` (key, size and MD5 ETag). */
export function headCopies(head: Head, found: ListedSnapshot): boolean {
  if (!head.frame || head.key !== found.key || found.size !== head.frame.length || found.etag === undefined) return false;
  const md5 = createHash('md5').update(head.frame).digest('hex');
  return found.etag.replaceAll('"', '').toLowerCase() === md5;
}

/** A head GET in flight. */
export interface HeadRead {
  /** The parsed head; undefined when missing, failed, cancelled or damaged. Never rejects. */
  readonly head: Promise<Head | undefined>;
  readonly cancel: AbortController;
}

/** The key of `persistenceId`'s head object in `bucket`. */
export const headKeyOf = (bucket: S3Bucket, persistenceId: string): string => headKey(idPrefix(bucket.settings.prefix, persistenceId));

/** Starts the GET of the id's head object; a cancelled or failed one sends the load to the listing. */
export function startHeadRead(bucket: S3Bucket, persistenceId: string): HeadRead {
  const cancel = new AbortController();
  const bytes = getWhole(bucket, { persistenceId, key: headKeyOf(bucket, persistenceId) }, cancel.signal);
  const head = bytes.then(
    (read) => (read === undefined ? undefined : decodeHead(read)),
    () => undefined,
  );
  return { head, cancel };
}

/** Uploads the head naming the frame `parts` saved under `key`; resolves false when that failed. */
export function putHead(
  bucket: S3Bucket,
  persistenceId: string,
  key: string,
  parts: readonly Uint8Array[],
  bytes: number,
): Promise<boolean> {
  const head = encodeHead(key, parts, bytes, bucket.settings.headCopyMax);
  const length = head.reduce((sum, part) => sum + part.length, 0);
  return put(bucket, persistenceId, headKeyOf(bucket, persistenceId), head, length).then(
    () => true,
    () => false,
  );
}

/** The key the id's head names, undefined when there is no readable head. */
export async function headTarget(bucket: S3Bucket, persistenceId: string, operation: string): Promise<string | undefined> {
  const bytes = await getWhole(bucket, { persistenceId, key: headKeyOf(bucket, persistenceId) }, undefined, operation);
  return bytes === undefined ? undefined : decodeHead(bytes)?.key;
}

/** Deletes the id's head; rejects when that failed (the caller must not go on trusting it). */
export function dropHead(bucket: S3Bucket, persistenceId: string, operation: string): Promise<void> {
  return deleteKeys(bucket, persistenceId, [headKeyOf(bucket, persistenceId)], operation);
}
