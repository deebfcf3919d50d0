/**
 * Snapshot store over any S3-compatible bucket: one object per snapshot, the listing as index.
 * @module
 */

import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { CorruptSnapshotError, InvalidArgumentError, StoreUnavailableError } from '../core/errors.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { measure } from '../observability/hooks.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { Serialization } from '../serialization/serialization.js';
import { KeyedLock } from '../spi/keyed-lock.js';
import { decodeSnapshotFrame, encodeSnapshotFrame } from '../spi/snapshot-frame.js';
import type { SnapshotLoadOptions, SnapshotStore } from '../spi/snapshot-store.js';
import { decodeSnapshot, loadYoungestReadable, validateSnapshotMetadata, validateSnapshotQuery } from '../spi/snapshot-support.js';
import { StoreLifecycle, type StoreOptions } from '../spi/store-options.js';
import { createBucketIfMissing, httpStatusOf, isNotFound, readBody, readBodyInto } from './helpers.js';
import {
  idPrefix,
  MAX_PREFIX_BYTES,
  normalizePrefix,
  parseSnapshotKey,
  type SnapshotKey,
  sequencePrefix,
  snapshotKey,
  startAfterFor,
} from './key-layout.js';
import { type ResolvedRetryOptions, type RetryFailure, resolveRetryOptions, type S3RetryOptions, withRetry } from './retry.js';

const NAME = 's3';
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's limit of keys per DeleteObjects request. */
const DELETE_BATCH = 1000;
/** `load` asks for a short first page: the newest snapshot is first, rarely more are needed. */
const LOAD_FIRST_PAGE = 2;
/** Page size when looking for the objects of one sequence number (normally one). */
const SIBLINGS_PAGE = 2;

/** Options of {@link S3SnapshotStore}. */
export interface S3SnapshotStoreOptions extends StoreOptions {
  /** The bucket; must exist unless `createBucketIfMissing`. */
  readonly bucket: string;
  /** Key prefix of every object, e.g. `snapshots/` (a `/` is added when missing). @default '' */
  readonly prefix?: string;
  /**
   * An S3Client to use. The store never destroys a client it was given. When absent, one is
   * built on first use from `clientConfig`.
   */
  readonly client?: S3Client;
  /**
   * Config of the client built when `client` is absent: `endpoint`, `region`, `credentials`
   * (default: the SDK's default chain), `forcePathStyle`, ... The store adds `maxAttempts: 1`
   * (it retries itself, so retries don't multiply) and, when `endpoint` is set (an
   * S3-compatible server), `region: 'us-east-1'` and `requestChecksumCalculation` /
   * `responseChecksumValidation: 'WHEN_REQUIRED'`; anything given here wins.
   * @default {}
   */
  readonly clientConfig?: S3ClientConfig;
  /** Create the bucket on first use when it does not exist. @default false */
  readonly createBucketIfMissing?: boolean;
  /**
   * Snapshots of at least this many stored bytes upload in parts (@aws-sdk/lib-storage), in
   * parallel. Below it one PutObject is faster: one request, no assembly on the server.
   * @default 16 MiB
   */
  readonly multipartThresholdBytes?: number;
  /** Part size of multipart uploads (at least 5 MiB). @default 8 MiB */
  readonly partSizeBytes?: number;
  /** Parts uploaded at once. @default 4 */
  readonly multipartConcurrency?: number;
  /**
   * Snapshots of at least this many stored bytes are downloaded as parallel ranged GETs
   * (`downloadConcurrency` ranges of at least 1 MiB), written straight into one buffer:
   * S3 serves each connection at a limited rate, so a few streams beat one for large
   * objects. On loopback s3rver the gain at 10 MB was inconsistent (docs/s3.md), hence the
   * conservative default. @default 32 MiB
   */
  readonly rangedDownloadThresholdBytes?: number;
  /** Ranges of one snapshot downloaded at once; 1 turns ranged downloads off. @default 4 */
  readonly downloadConcurrency?: number;
  /** Retry of transient failures (5xx, throttling, resets, timeouts). */
  readonly retry?: S3RetryOptions;
  /** Keys per ListObjectsV2 page of `list` and `deleteMatching` (S3 returns at most 1000). @default 1000 */
  readonly listPageSize?: number;
}

/** One sequence number in a listing: the object that counts, plus left-over duplicates. */
interface ListedSnapshot extends SnapshotKey {
  readonly persistenceId: string;
  /** Older objects of the same sequence number (a replacing save that failed half-way). */
  readonly duplicates: string[];
  /** The object's size in the listing, when the server gave one. */
  readonly size: number | undefined;
}

/** Smallest range of a ranged download. */
const MIN_RANGE_BYTES = 1024 * 1024;

/** Ids whose newest known key a store remembers (oldest forgotten first); about 200 bytes each. */
const REMEMBERED_IDS = 1024;

/** The key this store last saved or loaded for an id: where the next load's GET may start. */
interface KnownKey extends SnapshotKey {
  readonly size: number;
}

/** A GET started before the listing answered; used only when the listing names the same key first. */
interface EarlyRead {
  readonly key: string;
  readonly bytes: Promise<Buffer | undefined>;
  readonly cancel: AbortController;
}

/** A range reply that does not belong to the listed object (replaced meanwhile, or Range ignored). */
const ABANDONED = Symbol('abandoned');

/** Names an operation in error messages. */
interface CallContext {
  readonly operation: string;
  readonly command: string;
  readonly persistenceId: string;
  readonly key: string;
}

type LibStorage = typeof import('@aws-sdk/lib-storage');

/**
 * A snapshot store keeping each snapshot as one object in an S3-compatible bucket, under
 * `<prefix><encoded id>/<inverted seq>-<seq>-<timestamp>.snap`. See docs/s3.md.
 */
export class S3SnapshotStore implements SnapshotStore {
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #clientConfig: S3ClientConfig;
  readonly #ownsClient: boolean;
  #client: S3Client | undefined;
  readonly #createBucket: boolean;
  #bucketReady: Promise<void> | undefined;
  readonly #multipartThreshold: number;
  readonly #partSize: number;
  readonly #multipartConcurrency: number;
  readonly #rangedThreshold: number;
  readonly #downloadConcurrency: number;
  readonly #retry: ResolvedRetryOptions;
  readonly #pageSize: number;
  readonly #serialization: Serialization;
  readonly #logger: Logger;
  readonly #hooks: StoreOptions['hooks'];
  readonly #lifecycle = new StoreLifecycle(NAME, 'snapshotStore');
  /** Saves and deletes of one (id, sequence number) in this process run one at a time. */
  readonly #locks = new KeyedLock();
  /** Per id, the key this store saved or loaded last (insertion order = age, for forgetting). */
  readonly #knownKeys = new Map<string, KnownKey>();
  #libStorage: Promise<LibStorage | undefined> | undefined;

  constructor(options: S3SnapshotStoreOptions) {
    const bad = (argument: string, expected: string, actual: unknown): never => {
      throw new InvalidArgumentError(
        argument,
        `${argument}: expected ${expected}, found ${typeof actual === 'string' ? JSON.stringify(actual) : String(actual)}`,
        {
          expected,
          actual,
          source: NAME,
        },
      );
    };
    if (typeof options?.bucket !== 'string' || options.bucket.length === 0) bad('bucket', 'a bucket name', options?.bucket);
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string' || Buffer.byteLength(prefix) > MAX_PREFIX_BYTES || /[\u0000-\u001f\u007f]/.test(prefix)) {
      bad('prefix', `a string of at most ${MAX_PREFIX_BYTES} bytes without control characters`, prefix);
    }
    if (options.client !== undefined && !(typeof options.client === 'object' && typeof options.client?.send === 'function')) {
      bad('client', 'an S3Client', options.client);
    }
    const positive = (value: number | undefined, argument: string, fallback: number, min = 1): number => {
      if (value === undefined) return fallback;
      if (!Number.isSafeInteger(value) || value < min) bad(argument, `an integer >= ${min}`, value);
      return value;
    };
    this.#bucket = options.bucket;
    this.#prefix = normalizePrefix(prefix);
    this.#client = options.client;
    this.#ownsClient = options.client === undefined;
    this.#clientConfig = options.clientConfig ?? {};
    this.#createBucket = options.createBucketIfMissing ?? false;
    this.#multipartThreshold = positive(options.multipartThresholdBytes, 'multipartThresholdBytes', 16 * 1024 * 1024);
    this.#partSize = positive(options.partSizeBytes, 'partSizeBytes', 8 * 1024 * 1024, MIN_PART_BYTES);
    this.#multipartConcurrency = positive(options.multipartConcurrency, 'multipartConcurrency', 4);
    this.#rangedThreshold = positive(options.rangedDownloadThresholdBytes, 'rangedDownloadThresholdBytes', 32 * 1024 * 1024);
    this.#downloadConcurrency = positive(options.downloadConcurrency, 'downloadConcurrency', 4);
    this.#pageSize = Math.min(1000, positive(options.listPageSize, 'listPageSize', 1000));
    this.#retry = resolveRetryOptions(options.retry);
    this.#serialization = options.serialization ?? new Serialization();
    this.#logger = options.logger ?? silentLogger;
    this.#hooks = options.hooks;
  }

  /** The bucket this store writes to. */
  get bucket(): string {
    return this.#bucket;
  }

  /** The key of snapshot `sequenceNr` of `persistenceId` at `timestamp` (for tools and tests). */
  keyOf(persistenceId: string, sequenceNr: number, timestamp: number): string {
    return snapshotKey(idPrefix(this.#prefix, persistenceId), sequenceNr, timestamp);
  }

  /** The key holding snapshot `sequenceNr` of `persistenceId` now, or undefined. */
  async findKey(persistenceId: string, sequenceNr: number): Promise<string | undefined> {
    const keys = await this.#keysOfSequenceNr(persistenceId, sequenceNr, 'findKey');
    return keys.at(-1);
  }

  /** The S3 client (built now when the store builds its own). */
  get client(): S3Client {
    if (!this.#client) {
      const config = this.#clientConfig;
      const compatible = config.endpoint !== undefined;
      this.#client = new S3Client({
        maxAttempts: 1,
        ...(compatible
          ? { region: 'us-east-1', requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
          : {}),
        ...config,
      });
    }
    return this.#client;
  }

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, options?: SnapshotLoadOptions): Promise<SelectedSnapshot | null> {
    this.#lifecycle.assertOpen('load', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    return measure(this.#hooks, { operation: 'snapshot.load', store: NAME, persistenceId }, async () => {
      await this.#ready(persistenceId);
      // The listing stays the index: an early GET only saves waiting for it when the listing
      // then names the key this store knows as the youngest match; otherwise it is cancelled.
      const early = this.#startEarlyRead(persistenceId, checked);
      try {
        const listing = this.#listNewestFirst(persistenceId, checked, 'load', LOAD_FIRST_PAGE);
        return await loadYoungestReadable(
          matching(listing, checked),
          (found) => this.#read(found, early?.key === found.key ? early : undefined),
          { source: NAME, logger: this.#logger, hooks: this.#hooks, options },
        );
      } finally {
        early?.cancel.abort();
      }
    });
  }

  async save(metadata: SnapshotMetadata, snapshot: unknown): Promise<void> {
    this.#lifecycle.assertOpen('save', metadata?.persistenceId);
    const { head, parts, length: bytes } = encodeSnapshotFrame(metadata, snapshot, this.#serialization);
    const { persistenceId, sequenceNr, timestamp } = head;
    await measure(this.#hooks, { operation: 'snapshot.save', store: NAME, persistenceId, bytes }, () =>
      this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
        await this.#ready(persistenceId);
        const key = this.keyOf(persistenceId, sequenceNr, timestamp);
        // Look for objects this save replaces while the upload runs; delete them only after it succeeded.
        const siblings = this.#keysOfSequenceNr(persistenceId, sequenceNr, 'save');
        siblings.catch(() => undefined);
        await this.#put(persistenceId, key, parts, bytes);
        this.#remember(persistenceId, { key, sequenceNr, timestamp, size: bytes });
        const replaced = (await siblings).filter((other) => other !== key);
        await this.#deleteKeys(persistenceId, replaced, 'save');
      }),
    );
  }

  async delete(metadata: SnapshotMetadata): Promise<void> {
    this.#lifecycle.assertOpen('delete', metadata?.persistenceId);
    const { persistenceId, sequenceNr } = validateSnapshotMetadata(metadata);
    await measure(this.#hooks, { operation: 'snapshot.delete', store: NAME, persistenceId }, () =>
      this.#locks.run(`${persistenceId}\u0000${sequenceNr}`, async () => {
        await this.#ready(persistenceId);
        this.#knownKeys.delete(persistenceId);
        await this.#deleteKeys(persistenceId, await this.#keysOfSequenceNr(persistenceId, sequenceNr, 'delete'), 'delete');
      }),
    );
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    this.#lifecycle.assertOpen('deleteMatching', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    await measure(this.#hooks, { operation: 'snapshot.deleteMatching', store: NAME, persistenceId }, async () => {
      await this.#ready(persistenceId);
      this.#knownKeys.delete(persistenceId);
      let batch: string[] = [];
      for await (const found of this.#listNewestFirst(persistenceId, checked, 'deleteMatching', this.#pageSize)) {
        // Duplicates are garbage whatever the criteria say.
        if (checked.matches(found)) batch.push(found.key);
        batch.push(...found.duplicates);
        if (batch.length >= DELETE_BATCH) {
          await this.#deleteKeys(persistenceId, batch.slice(0, DELETE_BATCH), 'deleteMatching');
          batch = batch.slice(DELETE_BATCH);
        }
      }
      await this.#deleteKeys(persistenceId, batch, 'deleteMatching');
    });
  }

  /**
   * Oldest first. The listing runs newest first (that is the key order), so the matching
   * keys are collected, then yielded in reverse: memory grows with the number of matching
   * snapshots (metadata only, about 100 bytes each), never with their size.
   */
  async *list(persistenceId: string, criteria?: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    this.#lifecycle.assertOpen('list', persistenceId);
    const checked = validateSnapshotQuery(persistenceId, criteria);
    await this.#ready(persistenceId);
    const found: SnapshotMetadata[] = [];
    for await (const entry of matching(this.#listNewestFirst(persistenceId, checked, 'list', this.#pageSize), checked)) {
      found.push(new SnapshotMetadata({ persistenceId, sequenceNr: entry.sequenceNr, timestamp: entry.timestamp }));
    }
    for (let index = found.length - 1; index >= 0; index--) yield found[index] as SnapshotMetadata;
  }

  /** Closes the store; destroys the client only when the store built it. */
  async close(): Promise<void> {
    if (!this.#lifecycle.close()) return;
    if (this.#ownsClient) this.#client?.destroy();
  }

  /** Creates the bucket once, on first use, when asked to. */
  #ready(persistenceId: string): Promise<void> {
    if (!this.#createBucket) return Promise.resolve();
    if (!this.#bucketReady) {
      const context = { operation: 'createBucket', command: 'CreateBucket', persistenceId, key: '' };
      this.#bucketReady = this.#call(context, (signal) => createBucketIfMissing(this.client, this.#bucket, { abortSignal: signal })).then(
        () => undefined,
      );
      // A failed attempt is not cached: the next operation tries again.
      this.#bucketReady.catch(() => {
        this.#bucketReady = undefined;
      });
    }
    return this.#bucketReady;
  }

  /**
   * The id's snapshots newest first, one entry per sequence number, within the sequence
   * bounds of `criteria` (timestamps are filtered by the caller). Pages are fetched lazily.
   */
  async *#listNewestFirst(
    persistenceId: string,
    criteria: SnapshotSelectionCriteria,
    operation: string,
    firstPageSize: number,
  ): AsyncGenerator<ListedSnapshot> {
    const base = idPrefix(this.#prefix, persistenceId);
    const startAfter = startAfterFor(base, criteria.maxSequenceNr);
    let token: string | undefined;
    let pageSize = firstPageSize;
    let pending: ListedSnapshot | undefined;
    const context = { operation, command: 'ListObjectsV2', persistenceId, key: base };
    for (;;) {
      const page: ListObjectsV2CommandOutput = await this.#call(context, (signal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: base,
            MaxKeys: pageSize,
            ...(token === undefined ? (startAfter === undefined ? {} : { StartAfter: startAfter }) : { ContinuationToken: token }),
          }),
          { abortSignal: signal },
        ),
      );
      pageSize = this.#pageSize;
      for (const object of page.Contents ?? []) {
        const parsed = object.Key === undefined ? undefined : parseSnapshotKey(base, object.Key);
        if (!parsed || parsed.sequenceNr > criteria.maxSequenceNr) continue;
        if (parsed.sequenceNr < criteria.minSequenceNr) {
          if (pending) yield pending;
          return;
        }
        if (pending?.sequenceNr === parsed.sequenceNr) {
          // Same sequence number: keys sort by timestamp, so this one is younger and counts.
          pending = { ...parsed, persistenceId, duplicates: [...pending.duplicates, pending.key], size: object.Size };
          continue;
        }
        if (pending) yield pending;
        pending = { ...parsed, persistenceId, duplicates: [], size: object.Size };
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
  async #keysOfSequenceNr(persistenceId: string, sequenceNr: number, operation: string): Promise<string[]> {
    const base = idPrefix(this.#prefix, persistenceId);
    const prefix = sequencePrefix(base, sequenceNr);
    const keys: string[] = [];
    let startAfter = startAfterFor(base, sequenceNr);
    for (;;) {
      const after = startAfter;
      const page = await this.#call({ operation, command: 'ListObjectsV2', persistenceId, key: prefix }, (signal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: base,
            MaxKeys: SIBLINGS_PAGE,
            ...(after === undefined ? {} : { StartAfter: after }),
          }),
          { abortSignal: signal },
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
   * Starts the GET of the key this store saved or loaded last for `persistenceId`, when that
   * snapshot matches `criteria` and is below the ranged-download size; undefined otherwise.
   */
  #startEarlyRead(persistenceId: string, criteria: SnapshotSelectionCriteria): EarlyRead | undefined {
    const known = this.#knownKeys.get(persistenceId);
    if (!known || known.size >= this.#rangedThreshold || !criteria.matches(known)) return undefined;
    const cancel = new AbortController();
    const bytes = this.#getWhole({ persistenceId, key: known.key }, cancel.signal);
    // Awaited only when the listing confirms the key; a cancelled or unused one must not surface.
    bytes.catch(() => undefined);
    return { key: known.key, bytes, cancel };
  }

  /** Notes the newest key this store wrote or read for an id, forgetting the oldest id past the limit. */
  #remember(persistenceId: string, known: KnownKey): void {
    const current = this.#knownKeys.get(persistenceId);
    if (current && current.sequenceNr > known.sequenceNr) return;
    this.#knownKeys.delete(persistenceId);
    this.#knownKeys.set(persistenceId, known);
    if (this.#knownKeys.size > REMEMBERED_IDS) this.#knownKeys.delete(this.#knownKeys.keys().next().value as string);
  }

  /**
   * GETs and decodes one snapshot (or takes the bytes of an early GET of the same key); a
   * vanished object counts as unreadable (skip to older).
   */
  async #read(found: ListedSnapshot, early?: EarlyRead): Promise<SelectedSnapshot> {
    const ranged = !early && found.size !== undefined && found.size >= this.#rangedThreshold && this.#downloadConcurrency > 1;
    let bytes = ranged ? await this.#getRanges(found, found.size as number) : null;
    if (bytes === null) bytes = await (early?.bytes ?? this.#getWhole(found));
    if (bytes === undefined) {
      throw new CorruptSnapshotError(`snapshot ${found.sequenceNr} of ${JSON.stringify(found.persistenceId)} was deleted while loading`, {
        persistenceId: found.persistenceId,
        sequenceNr: found.sequenceNr,
        expected: `object ${found.key}`,
        actual: 'no such key',
        source: NAME,
      });
    }
    const selected = decodeSnapshot(decodeSnapshotFrame(bytes, found, NAME), this.#serialization, NAME);
    this.#remember(found.persistenceId, { key: found.key, sequenceNr: found.sequenceNr, timestamp: found.timestamp, size: bytes.length });
    return selected;
  }

  /** One GET of the whole object; undefined when it no longer exists. `cancel` stops it for good (no retry). */
  #getWhole(found: { readonly persistenceId: string; readonly key: string }, cancel?: AbortSignal): Promise<Buffer | undefined> {
    const context = { operation: 'load', command: 'GetObject', persistenceId: found.persistenceId, key: found.key };
    return this.#call(
      context,
      async (attemptSignal) => {
        const signal = cancel ? AbortSignal.any([attemptSignal, cancel]) : attemptSignal;
        try {
          const response = await this.client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: found.key }), { abortSignal: signal });
          return await readBody(response.Body, response.ContentLength, signal);
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
  async #getRanges(found: ListedSnapshot, size: number): Promise<Buffer | undefined | null> {
    const count = Math.max(1, Math.min(this.#downloadConcurrency, Math.floor(size / MIN_RANGE_BYTES)));
    const span = Math.ceil(size / count);
    const out = Buffer.allocUnsafe(size);
    const context = { operation: 'load', command: 'GetObject (range)', persistenceId: found.persistenceId, key: found.key };
    const tags = await Promise.all(
      Array.from({ length: count }, (_, index) => {
        const start = index * span;
        const length = Math.min(size, start + span) - start;
        return this.#call(context, async (signal) => {
          try {
            const response = await this.client.send(
              new GetObjectCommand({ Bucket: this.#bucket, Key: found.key, Range: `bytes=${start}-${start + length - 1}` }),
              { abortSignal: signal },
            );
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
  async #put(persistenceId: string, key: string, parts: readonly Uint8Array[], length: number): Promise<void> {
    const multipart = length >= this.#multipartThreshold ? await this.#loadLibStorage() : undefined;
    const resends = multipart ? false : await this.#clientRetries();
    const context = { operation: 'save', command: multipart ? 'multipart Upload' : 'PutObject', persistenceId, key };
    await this.#call(context, async (signal) => {
      // The frame's buffers go out as a stream, so a large payload is never copied into one
      // body, unless the client may re-send the body itself, which a stream cannot survive.
      const body =
        parts.length === 1
          ? (parts[0] as Uint8Array)
          : resends
            ? Buffer.concat(parts, length)
            : Readable.from(parts, { objectMode: false });
      if (!multipart) {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: body,
            ContentLength: length,
            ContentType: 'application/octet-stream',
          }),
          { abortSignal: signal },
        );
        return;
      }
      const upload = new multipart.Upload({
        client: this.client,
        params: { Bucket: this.#bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
        partSize: this.#partSize,
        queueSize: this.#multipartConcurrency,
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

  /** Whether the client retries requests itself (`maxAttempts` above 1, the SDK's default is 3). */
  async #clientRetries(): Promise<boolean> {
    if (this.#ownsClient) return false;
    const setting = (this.client.config as { maxAttempts?: unknown }).maxAttempts;
    try {
      const attempts = typeof setting === 'function' ? await (setting as () => Promise<unknown>)() : setting;
      return typeof attempts !== 'number' || attempts > 1;
    } catch {
      return true;
    }
  }

  /** lib-storage is an optional peer: without it, large snapshots go up in one PutObject. */
  #loadLibStorage(): Promise<LibStorage | undefined> {
    this.#libStorage ??= import('@aws-sdk/lib-storage').catch((error: unknown) => {
      this.#logger.warn('[memento] [s3] @aws-sdk/lib-storage is not installed; large snapshots upload in one PutObject', {
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    });
    return this.#libStorage;
  }

  /** DeleteObjects in batches of 1000; any per-key error fails the operation. */
  async #deleteKeys(persistenceId: string, keys: readonly string[], operation: string): Promise<void> {
    for (let at = 0; at < keys.length; at += DELETE_BATCH) {
      const batch = keys.slice(at, at + DELETE_BATCH);
      const context = { operation, command: 'DeleteObjects', persistenceId, key: batch[0] as string };
      const result = await this.#call(context, (signal) =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
          { abortSignal: signal },
        ),
      );
      const failed = (result.Errors ?? []).filter((entry) => entry.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        throw new StoreUnavailableError(
          `${operation} of ${JSON.stringify(persistenceId)}: DeleteObjects in bucket ${JSON.stringify(this.#bucket)} failed for ${failed.length} of ${batch.length} keys, first ${JSON.stringify(first?.Key)}: ${first?.Code} ${first?.Message ?? ''}`.trim(),
          { persistenceId, expected: 'every key deleted', actual: `${failed.length} failed (${first?.Code})`, source: NAME },
        );
      }
    }
  }

  /** Runs one S3 call under the retry policy; failures become StoreUnavailableError. */
  #call<T>(context: CallContext, attempt: (signal: AbortSignal) => Promise<T>, cancel?: AbortSignal): Promise<T> {
    return withRetry(
      this.#retry,
      attempt,
      (failure) => this.#unavailable(context, failure),
      () => this.#lifecycle.closed || cancel?.aborted === true,
    );
  }

  #unavailable(context: CallContext, failure: RetryFailure): StoreUnavailableError {
    const { error, attempts, elapsedMs, exhausted } = failure;
    const status = httpStatusOf(error);
    const name = (error as { name?: string } | undefined)?.name ?? 'Error';
    const reason = error instanceof Error ? error.message : String(error);
    const found = `${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${reason}`;
    const why = exhausted ? `still failing after ${attempts} attempts in ${Math.round(elapsedMs)} ms` : `failed (not retryable)`;
    return new StoreUnavailableError(
      `${context.operation} of ${JSON.stringify(context.persistenceId)}: ${context.command} of bucket ${JSON.stringify(this.#bucket)} key ${JSON.stringify(context.key)} ${why}: ${found}`,
      {
        persistenceId: context.persistenceId,
        expected: `a successful ${context.command}`,
        actual: found,
        cause: sanitizeCause(error),
        source: NAME,
      },
    );
  }
}

/**
 * A copy of an SDK error without its raw `$response`, which holds the signed request and
 * its Authorization header (access key id): credentials must never reach errors or logs.
 */
function sanitizeCause(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { name, message, stack } = error;
  const { code, Code, $fault, $metadata } = error as {
    code?: string;
    Code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const copy = new Error(message);
  Object.assign(copy, {
    name,
    stack,
    code,
    Code,
    $fault,
    $metadata: $metadata && { httpStatusCode: $metadata.httpStatusCode, requestId: $metadata.requestId },
  });
  return copy;
}

/** Filters a newest-first listing by the full criteria (timestamps included). */
async function* matching(listing: AsyncIterable<ListedSnapshot>, criteria: SnapshotSelectionCriteria): AsyncGenerator<ListedSnapshot> {
  for await (const entry of listing) if (criteria.matches(entry)) yield entry;
}
