/**
 * The recorder mintBlue users write for S3 (debounced JSON upload of the last snapshot,
 * loaded again on start), in a few lines over StoreRecorder. Here it keeps its snapshot in
 * a directory through FileSnapshotStore; with S3SnapshotStore it is the S3 recorder
 * (docs/s3.md).
 */

import { FileSnapshotStore } from '../../src/fs/index.js';
import { StoreRecorder } from '../../src/index.js';

/** Options of {@link createFileRecorder}. */
export interface FileRecorderOptions {
  /** Directory the snapshot files go to. */
  readonly directory: string;
  /** Names the snapshot (the seed's file name, e.g. `forest`). */
  readonly name: string;
  /** Quiet period before the snapshot is written. @default 5000 */
  readonly debounceMs?: number;
}

/** A debounced recorder keeping only the last snapshot, like the seed's S3Recorder. */
export function createFileRecorder<S>(options: FileRecorderOptions): StoreRecorder<S> {
  const store = new FileSnapshotStore({ directory: options.directory });
  return new StoreRecorder<S>(store, { persistenceId: options.name, debounceMs: options.debounceMs ?? 5000, keep: 1 });
}
