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
import type { S3Bucket } from './bucket.js';
import { idPrefix } from './key-layout.js';
import type { ListedSnapshot } from './listing.js';
import { deleteKeys, getWhole, put } from './transfer.js';

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

/** A head GET started in parallel with a listing. */
export interface HeadRead {
  /** The parsed head; undefined when missing, failed, cancelled or damaged. Never rejects. */
  readonly head: Promise<Head | undefined>;
  readonly cancel: AbortController;
}

/** The key of `persistenceId`'s head object in `bucket`. */
const headKeyOf = (bucket: S3Bucket, persistenceId: string): string => headKey(idPrefix(bucket.settings.prefix, persistenceId));

/** Starts the GET of the id's head object; a cancelled or failed one falls back to the listed GET. */
export function startHeadRead(bucket: S3Bucket, persistenceId: string): HeadRead {
  const cancel = new AbortController();
  const bytes = getWhole(bucket, { persistenceId, key: headKeyOf(bucket, persistenceId) }, cancel.signal);
  const head = bytes.then(
    (read) => (read === undefined ? undefined : decodeHead(read)),
    () => undefined,
  );
  return { head, cancel };
}

/**
 * Uploads the head copying the frame `parts` saved under `key`. Never rejects: a failed head
 * PUT does not fail the save, a missing or stale head only costs the next cold load the
 * listing's round trip.
 */
export function putHead(bucket: S3Bucket, persistenceId: string, key: string, parts: readonly Uint8Array[], bytes: number): Promise<void> {
  const head = encodeHead(key, parts);
  return put(bucket, persistenceId, headKeyOf(bucket, persistenceId), head, bytes + (head[0] as Uint8Array).length).catch(() => undefined);
}

/** The key the id's head copies, undefined when there is no readable head. */
export async function headTarget(bucket: S3Bucket, persistenceId: string): Promise<string | undefined> {
  const bytes = await getWhole(bucket, { persistenceId, key: headKeyOf(bucket, persistenceId) });
  return bytes === undefined ? undefined : decodeHead(bytes)?.key;
}

/**
 * Deletes the id's head when it copies a deleted snapshot, so no copy outlives its
 * snapshot. Not needed for correctness (a load uses a head only when the listing names
 * its key); a save racing this may lose its head, which only costs its next load a trip.
 */
export async function dropHeadOf(
  bucket: S3Bucket,
  persistenceId: string,
  target: string | undefined,
  deleted: ReadonlySet<string>,
  operation: string,
): Promise<void> {
  if (target === undefined || !deleted.has(target)) return;
  await deleteKeys(bucket, persistenceId, [headKeyOf(bucket, persistenceId)], operation);
}
