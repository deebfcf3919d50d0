/**
 * `memento-es/s3`: a snapshot store over any S3-compatible bucket (AWS S3, MinIO, R2,
 * s3rver), on `@aws-sdk/client-s3` (an optional peer dependency, loaded on first use:
 * importing this entry point works without it; `@aws-sdk/lib-storage` too, for multipart
 * uploads). See docs/s3.md.
 *
 * ```ts
 * import { S3SnapshotStore } from 'memento-es/s3';
 * const snapshots = new S3SnapshotStore({ bucket: 'my-app', prefix: 'snapshots/' });
 * ```
 * @module
 */
export type { S3ClientLike, S3ClientSettings, S3Command, S3SendOptions } from './client.js';
export {
  bucketExists,
  createBucketIfMissing,
  deleteObject,
  download,
  isNotFound,
  objectExists,
  readBody,
  type S3CallOptions,
  TruncatedBodyError,
  upload,
} from './helpers.js';
export { idPrefix, MAX_PREFIX_BYTES, parseSnapshotKey, type SnapshotKey, snapshotKey } from './key-layout.js';
export { isTransientS3Error, type S3RetryOptions } from './retry.js';
export { S3SnapshotStore, type S3SnapshotStoreOptions } from './s3-snapshot-store.js';
