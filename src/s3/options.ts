/**
 * Options of the S3 snapshot store: the documented type with its defaults, and the eager
 * check that turns it into settings the store uses.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { RetryPolicy } from '../spi/retry.js';
import type { SnapshotSizeOptions } from '../spi/snapshot-support.js';
import type { StoreOptions } from '../spi/store-options.js';
import type { S3ClientLike, S3ClientSettings } from './client.js';
import { MAX_PREFIX_BYTES, normalizePrefix } from './key-layout.js';
import { resolveRetryOptions, type S3RetryOptions } from './retry.js';

/** Smallest part S3 accepts in a multipart upload (all but the last). */
const MIN_PART_BYTES = 5 * 1024 * 1024;

/**
 * Default of `headCopyMaxBytes`. Up to a few MiB a second request one after the first costs
 * more than sending the bytes twice: a GET's round trip is tens of milliseconds on S3 (a few
 * on loopback s3rver), while 2 MiB more of a transfer already under way take less
 * (docs/s3.md, *Head*).
 */
const DEFAULT_HEAD_COPY_MAX_BYTES = 2 * 1024 * 1024;

/** Options of {@link S3SnapshotStore}. */
export interface S3SnapshotStoreOptions extends StoreOptions, SnapshotSizeOptions {
  /** The bucket; must exist unless `createBucketIfMissing`. */
  readonly bucket: string;
  /** Key prefix of every object, e.g. `snapshots/` (a `/` is added when missing). @default '' */
  readonly prefix?: string;
  /**
   * An S3Client of `@aws-sdk/client-s3` to use. The store never destroys a client it was
   * given. When absent, one is built on first use from `clientConfig`.
   */
  readonly client?: S3ClientLike;
  /**
   * Config of the client built when `client` is absent (an `S3ClientConfig`): `endpoint`,
   * `region`, `credentials` (default: the SDK's default chain), `forcePathStyle`, ... The
   * store adds `maxAttempts: 1` (it retries itself, so retries don't multiply) and, when
   * `endpoint` is set (an S3-compatible server), `region: 'us-east-1'` and
   * `requestChecksumCalculation` / `responseChecksumValidation: 'WHEN_REQUIRED'`; anything
   * given here wins.
   * @default {}
   */
  readonly clientConfig?: S3ClientSettings;
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
  /**
   * Trust the id's head object (written by every save, removed first by every delete) as
   * the index of its newest snapshot, so a load is one GET. Set false when snapshot objects
   * under the prefix are also written or deleted by anything but this store (by hand, a
   * lifecycle rule, an older version of memento-es): every load then lists first and sees
   * those changes. @default true
   */
  readonly headAsIndex?: boolean;
  /**
   * Snapshots whose stored frame is at most this many bytes are copied into the id's head
   * object, so a load is one GET; a larger one is only named there, and a load GETs the head
   * then the snapshot, one after the other. The copy costs one more upload of those bytes
   * per save (in parallel with the snapshot's) and one extra copy per id in the bucket.
   * 0 copies nothing. @default 2 MiB
   */
  readonly headCopyMaxBytes?: number;
  /** Keys per ListObjectsV2 page of `list` and `deleteMatching` (S3 returns at most 1000). @default 1000 */
  readonly listPageSize?: number;
}

/** The store's settings, checked, with every default filled in. */
export interface S3StoreSettings {
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3ClientLike | undefined;
  readonly clientConfig: S3ClientSettings;
  readonly createBucket: boolean;
  readonly multipartThreshold: number;
  readonly partSize: number;
  readonly multipartConcurrency: number;
  readonly rangedThreshold: number;
  readonly downloadConcurrency: number;
  readonly retry: RetryPolicy;
  readonly pageSize: number;
  readonly headAsIndex: boolean;
  readonly headCopyMax: number;
}

/** Checks `options` eagerly (before any I/O) and fills in the defaults. */
export function resolveS3Options(options: S3SnapshotStoreOptions, source: string): S3StoreSettings {
  const bad = (argument: string, expected: string, actual: unknown): never => {
    throw new InvalidArgumentError(
      argument,
      `${argument}: expected ${expected}, found ${typeof actual === 'string' ? JSON.stringify(actual) : String(actual)}`,
      { expected, actual, source },
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
  if (options.headAsIndex !== undefined && typeof options.headAsIndex !== 'boolean') bad('headAsIndex', 'a boolean', options.headAsIndex);
  const positive = (value: number | undefined, argument: string, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < min) bad(argument, `an integer >= ${min}`, value);
    return value;
  };
  return {
    bucket: options.bucket,
    prefix: normalizePrefix(prefix),
    client: options.client,
    clientConfig: options.clientConfig ?? {},
    createBucket: options.createBucketIfMissing ?? false,
    multipartThreshold: positive(options.multipartThresholdBytes, 'multipartThresholdBytes', 16 * 1024 * 1024),
    partSize: positive(options.partSizeBytes, 'partSizeBytes', 8 * 1024 * 1024, MIN_PART_BYTES),
    multipartConcurrency: positive(options.multipartConcurrency, 'multipartConcurrency', 4),
    rangedThreshold: positive(options.rangedDownloadThresholdBytes, 'rangedDownloadThresholdBytes', 32 * 1024 * 1024),
    downloadConcurrency: positive(options.downloadConcurrency, 'downloadConcurrency', 4),
    pageSize: Math.min(1000, positive(options.listPageSize, 'listPageSize', 1000)),
    retry: resolveRetryOptions(options.retry),
    headAsIndex: options.headAsIndex ?? true,
    headCopyMax: positive(options.headCopyMaxBytes, 'headCopyMaxBytes', DEFAULT_HEAD_COPY_MAX_BYTES, 0),
  };
}
