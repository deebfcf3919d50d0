/**
 * Reading the index, which is the bucket listing itself: one id's snapshots newest first
 * (keys sort that way), and every key of one sequence number.
 * @module
 */
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { idFromSegments } from '../spi/id-segments.js';
import type { S3Bucket } from './bucket.js';
import { type ListObjectsV2Output, send } from './client.js';
import { idPrefix, parseSnapshotKey, type SnapshotKey, sequencePrefix, startAfterFor } from './key-layout.js';

/** Page size when looking for the objects of one sequence number (normally one). */
const SIBLINGS_PAGE = 2;

/** One sequence number in a listing: the object that counts, plus left-over duplicates. */
export interface ListedSnapshot extends SnapshotKey {
  readonly persistenceId: string;
  /** Older objects of the same sequence number (a replacing save that failed half-way). */
  readonly duplicates: string[];
  /** The object's size in the listing, when the server gave one. */
  readonly size: number | undefined;
  /** The object's ETag in the listing, when the server gave one. */
  readonly etag: string | undefined;
}

/**
 * The id's snapshots newest first, one entry per sequence number, within the sequence
 * bounds of `criteria` (timestamps are filtered by the caller). Pages are fetched lazily:
 * the first of `firstPageSize` keys, the next ones of the store's page size.
 */
export async function* listNewestFirst(
  bucket: S3Bucket,
  persistenceId: string,
  criteria: SnapshotSelectionCriteria,
  operation: string,
  firstPageSize: number,
): AsyncGenerator<ListedSnapshot> {
  const base = idPrefix(bucket.settings.prefix, persistenceId);
  const startAfter = startAfterFor(base, criteria.maxSequenceNr);
  let token: string | undefined;
  let pageSize = firstPageSize;
  let pending: ListedSnapshot | undefined;
  const context = { operation, command: 'ListObjectsV2', persistenceId, key: base };
  for (;;) {
    const page: ListObjectsV2Output = await bucket.call(context, ({ client, sdk, signal }) =>
      send(
        client,
        new sdk.ListObjectsV2Command({
          Bucket: bucket.name,
          Prefix: base,
          MaxKeys: pageSize,
          ...(token === undefined ? (startAfter === undefined ? {} : { StartAfter: startAfter }) : { ContinuationToken: token }),
        }),
        signal,
      ),
    );
    pageSize = bucket.settings.pageSize;
    for (const object of page.Contents ?? []) {
      const parsed = object.Key === undefined ? undefined : parseSnapshotKey(base, object.Key);
      if (!parsed || parsed.sequenceNr > criteria.maxSequenceNr) continue;
      if (parsed.sequenceNr < criteria.minSequenceNr) {
        if (pending) yield pending;
        return;
      }
      if (pending?.sequenceNr === parsed.sequenceNr) {
        // Same sequence number: keys sort by timestamp, so this one is younger and counts.
        pending = { ...parsed, persistenceId, duplicates: [...pending.duplicates, pending.key], size: object.Size, etag: object.ETag };
        continue;
      }
      if (pending) yield pending;
      pending = { ...parsed, persistenceId, duplicates: [], size: object.Size, etag: object.ETag };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (token === undefined) break;
  }
  if (pending) yield pending;
}

/**
 * Every key of one sequence number (normally one; more after a half-done replace). Lists
 * from just before them in short pages and stops at the first key of another sequence
 * number, instead of a prefix query: servers that scan a directory per listing (s3rver)
 * then stop early too, so a save costs the same with 10 or 10,000 snapshots of the id.
 */
export async function keysOfSequenceNr(bucket: S3Bucket, persistenceId: string, sequenceNr: number, operation: string): Promise<string[]> {
  const base = idPrefix(bucket.settings.prefix, persistenceId);
  const prefix = sequencePrefix(base, sequenceNr);
  const keys: string[] = [];
  let startAfter = startAfterFor(base, sequenceNr);
  for (;;) {
    const after = startAfter;
    const page = await bucket.call({ operation, command: 'ListObjectsV2', persistenceId, key: prefix }, ({ client, sdk, signal }) =>
      send(
        client,
        new sdk.ListObjectsV2Command({
          Bucket: bucket.name,
          Prefix: base,
          MaxKeys: SIBLINGS_PAGE,
          ...(after === undefined ? {} : { StartAfter: after }),
        }),
        signal,
      ),
    );
    const contents = page.Contents ?? [];
    for (const object of contents) {
      if (!object.Key?.startsWith(prefix)) return keys;
      if (parseSnapshotKey(base, object.Key)) keys.push(object.Key);
    }
    if (!page.IsTruncated || contents.length === 0) return keys;
    startAfter = contents.at(-1)?.Key;
  }
}

/**
 * What a save learns from the id's newest keys, listed after its PUTs landed: whether a
 * newer snapshot exists (then the head it wrote may be stale) and every key of its own
 * sequence number (what it replaces). One short page in the common case.
 */
export async function afterSave(
  bucket: S3Bucket,
  persistenceId: string,
  sequenceNr: number,
): Promise<{ readonly newer: boolean; readonly sameSequenceNr: string[] }> {
  const base = idPrefix(bucket.settings.prefix, persistenceId);
  const page = await bucket.call({ operation: 'save', command: 'ListObjectsV2', persistenceId, key: base }, ({ client, sdk, signal }) =>
    send(client, new sdk.ListObjectsV2Command({ Bucket: bucket.name, Prefix: base, MaxKeys: SIBLINGS_PAGE }), signal),
  );
  const keys = (page.Contents ?? []).flatMap((object) => {
    const parsed = object.Key === undefined ? undefined : parseSnapshotKey(base, object.Key);
    return parsed ? [parsed] : [];
  });
  const newer = keys.some((key) => key.sequenceNr > sequenceNr);
  // Its own keys may continue on the next page, or lie further down behind newer ones.
  if (newer || (page.IsTruncated && keys.at(-1)?.sequenceNr === sequenceNr) || keys.length === 0) {
    return { newer, sameSequenceNr: await keysOfSequenceNr(bucket, persistenceId, sequenceNr, 'save') };
  }
  return { newer, sameSequenceNr: keys.filter((key) => key.sequenceNr === sequenceNr).map((key) => key.key) };
}

/** Filters a newest-first listing by the full criteria (timestamps included). */
export async function* matching(
  listing: AsyncIterable<ListedSnapshot>,
  criteria: SnapshotSelectionCriteria,
): AsyncGenerator<ListedSnapshot> {
  for await (const entry of listing) if (criteria.matches(entry)) yield entry;
}

/**
 * Every id with at least one snapshot object under the store's prefix: the whole listing,
 * page by page (keys are encodings, not in id order), so a tool's listing, not a hot path.
 */
export async function listSnapshotIds(bucket: S3Bucket, operation: string): Promise<Set<string>> {
  const { prefix } = bucket.settings;
  const ids = new Set<string>();
  let token: string | undefined;
  const context = { operation, command: 'ListObjectsV2', persistenceId: undefined, key: prefix };
  do {
    const page: ListObjectsV2Output = await bucket.call(context, ({ client, sdk, signal }) =>
      send(
        client,
        new sdk.ListObjectsV2Command({
          Bucket: bucket.name,
          Prefix: prefix,
          MaxKeys: bucket.settings.pageSize,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
        signal,
      ),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const segments = object.Key.slice(prefix.length).split('/');
      segments.pop();
      if (segments.length === 0 || !parseSnapshotKey(`${prefix}${segments.join('/')}/`, object.Key)) continue;
      try {
        ids.add(idFromSegments(segments));
      } catch {
        // a key this store did not make
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return ids;
}
