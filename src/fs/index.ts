/**
 * `memento-es/fs`: a snapshot store over a directory, one atomically written file per
 * snapshot. No dependency beyond Node.js. See docs/fs.md.
 *
 * ```ts
 * import { FileSnapshotStore } from 'memento-es/fs';
 * const snapshots = new FileSnapshotStore({ directory: './data/snapshots' });
 * ```
 * @module
 */
export { FileSnapshotStore, type FileSnapshotStoreOptions } from './file-snapshot-store.js';
export { idFromSegments, idSegments, parseSnapshotFileName, SEGMENT_CHUNK, snapshotFileName } from './layout.js';
export { decodeSnapshotFrame, encodeSnapshotFrame, SNAPSHOT_FRAME_VERSION, type SnapshotFrameIdentity } from './snapshot-frame.js';
