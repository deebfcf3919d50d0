/**
 * The mintBlue tutorial's S3 recorder (debounced upload of the last snapshot, loaded again
 * on start) in a few lines over StoreRecorder and S3SnapshotStore. Unlike the hand-written
 * one it checksums what it uploads, retries transient failures, reports the rest through
 * `onError` instead of exiting the process, and skips a damaged object for an older one.
 */
import { StoreRecorder } from '../../src/index.js';
import { S3SnapshotStore, type S3SnapshotStoreOptions } from '../../src/s3/index.js';

/** Options of {@link createS3Recorder}. */
export interface S3RecorderOptions {
  /** Where the snapshots go: `{ client, bucket, prefix }` or `{ clientConfig, bucket, ... }`. */
  readonly store: S3SnapshotStoreOptions;
  /** Names the snapshot (the tutorial's file name, e.g. `forest`). */
  readonly name: string;
  /** Quiet period before the upload. @default 5000 */
  readonly debounceMs?: number;
  /** Snapshots kept (1 = only the last, as in the tutorial; more enables time travel). @default 1 */
  readonly keep?: number;
  /** Told about failed uploads; the machine keeps running. */
  readonly onError?: (error: Error) => void;
}

/** A debounced S3 recorder and the store it writes to (close the store when done). */
export function createS3Recorder<S>(options: S3RecorderOptions): { recorder: StoreRecorder<S>; store: S3SnapshotStore } {
  const store = new S3SnapshotStore(options.store);
  const recorder = new StoreRecorder<S>(store, {
    persistenceId: options.name,
    debounceMs: options.debounceMs ?? 5000,
    keep: options.keep ?? 1,
    onError: options.onError,
  });
  return { recorder, store };
}
