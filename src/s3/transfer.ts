/**
 * Moving bytes: a snapshot's GET (whole, or in parallel ranges written into one buffer),
 * its PUT (one PutObject, or a multipart upload from a threshold on) and batched deletes.
 * @module
 */
import { Readable } from 'node:stream';
import { CHECKSUM_AS_READ_FROM_BYTES, SnapshotEnvelopeChecksum } from '../spi/snapshot-frame.js';
import type { S3Bucket } from './bucket.js';
import { send } from './client.js';
import { deleteFailure } from './errors.js';
import { isNotFound, readBody, readBodyInto } from './helpers.js';

/** S3's limit of keys per DeleteObjects request. */
export const DELETE_BATCH = 1000;
/** Smallest range of a ranged download. */
const MIN_RANGE_BYTES = 1024 * 1024;
/** A range reply that does not belong to the listed object (replaced meanwhile, or Range ignored). */
const ABANDONED = Symbol('abandoned');

/** An object to read, and whose it is (for errors). */
export interface ObjectRef {
  readonly persistenceId: string;
  readonly key: string;
}

/** One GET of the whole object; undefined when it no longer exists. `cancel` stops it for good (no retry). */
export function getWhole(bucket: S3Bucket, found: ObjectRef, cancel?: AbortSignal, operation = 'load'): Promise<Buffer | undefined> {
  const context = { operation, command: 'GetObject', persistenceId: found.persistenceId, key: found.key };
  return bucket.call(
    context,
    async ({ client, sdk, signal: attemptSignal }) => {
      const signal = cancel ? AbortSignal.any([attemptSignal, cancel]) : attemptSignal;
      try {
        const response = await send(client, new sdk.GetObjectCommand({ Bucket: bucket.name, Key: found.key }), signal);
        const length = response.ContentLength;
        // A large snapshot's envelope checksum is taken in as its chunks arrive (see SnapshotEnvelopeChecksum).
        let checked: SnapshotEnvelopeChecksum | undefined;
        const bytes = await readBody(
          response.Body,
          length,
          signal,
          length !== undefined && length >= CHECKSUM_AS_READ_FROM_BYTES
            ? (out, filled) => {
                checked ??= SnapshotEnvelopeChecksum.of(out, filled);
                checked?.advance(filled);
              }
            : undefined,
        );
        checked?.finish();
        return bytes;
      } catch (error) {
        if (!isNotFound(error)) throw error;
        return undefined;
      }
    },
    cancel,
  );
}

/**
 * The object in parallel ranged GETs written into one buffer, each range retried on its
 * own; undefined when it no longer exists. Every range must report the listed size and
 * the same ETag: an object replaced meanwhile (or a server ignoring Range) gives null,
 * and the caller reads it in one whole GET, so parts of two versions are never mixed.
 */
export async function getRanges(bucket: S3Bucket, found: ObjectRef, size: number): Promise<Buffer | undefined | null> {
  const count = Math.max(1, Math.min(bucket.settings.downloadConcurrency, Math.floor(size / MIN_RANGE_BYTES)));
  const span = Math.ceil(size / count);
  const out = Buffer.allocUnsafe(size);
  const context = { operation: 'load', command: 'GetObject (range)', persistenceId: found.persistenceId, key: found.key };
  const tags = await Promise.all(
    Array.from({ length: count }, (_, index) => {
      const start = index * span;
      const length = Math.min(size, start + span) - start;
      return bucket.call(context, async ({ client, sdk, signal }) => {
        try {
          const range = `bytes=${start}-${start + length - 1}`;
          const response = await send(client, new sdk.GetObjectCommand({ Bucket: bucket.name, Key: found.key, Range: range }), signal);
          if (response.ContentRange === undefined || !response.ContentRange.endsWith(`/${size}`)) {
            (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
            return ABANDONED;
          }
          await readBodyInto(response.Body, out, start, length, signal);
          return response.ETag ?? '';
        } catch (error) {
          if (!isNotFound(error)) throw error;
          return undefined;
        }
      });
    }),
  );
  if (tags.includes(undefined)) return undefined;
  return tags.includes(ABANDONED) || new Set(tags).size !== 1 ? null : out;
}

/** One PutObject, or a multipart upload from the threshold on; retried as a whole. */
export async function put(
  bucket: S3Bucket,
  persistenceId: string,
  key: string,
  parts: readonly Uint8Array[],
  length: number,
): Promise<void> {
  const { multipartThreshold, partSize, multipartConcurrency } = bucket.settings;
  const multipart = length >= multipartThreshold ? await bucket.multipart() : undefined;
  const resends = multipart ? false : await bucket.clientRetries();
  const context = { operation: 'save', command: multipart ? 'multipart Upload' : 'PutObject', persistenceId, key };
  await bucket.call(context, async ({ client, sdk, signal }) => {
    // The frame's buffers go out as a stream, so a large payload is never copied into one
    // body, unless the client may re-send the body itself, which a stream cannot survive.
    const body =
      parts.length === 1 ? (parts[0] as Uint8Array) : resends ? Buffer.concat(parts, length) : Readable.from(parts, { objectMode: false });
    const contentType = 'application/octet-stream';
    if (!multipart) {
      await send(
        client,
        new sdk.PutObjectCommand({ Bucket: bucket.name, Key: key, Body: body, ContentLength: length, ContentType: contentType }),
        signal,
      );
      return;
    }
    const upload = new multipart.Upload({
      client,
      params: { Bucket: bucket.name, Key: key, Body: body, ContentType: contentType },
      partSize,
      queueSize: multipartConcurrency,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      signal.removeEventListener('abort', abort);
    }
  });
}

/** DeleteObjects in batches of 1000; any per-key error fails the operation. */
export async function deleteKeys(bucket: S3Bucket, persistenceId: string, keys: readonly string[], operation: string): Promise<void> {
  for (let at = 0; at < keys.length; at += DELETE_BATCH) {
    const batch = keys.slice(at, at + DELETE_BATCH);
    const context = { operation, command: 'DeleteObjects', persistenceId, key: batch[0] as string };
    const result = await bucket.call(context, ({ client, sdk, signal }) =>
      send(
        client,
        new sdk.DeleteObjectsCommand({ Bucket: bucket.name, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        signal,
      ),
    );
    const failure = deleteFailure(bucket.name, operation, persistenceId, batch.length, result);
    if (failure) throw failure;
  }
}
