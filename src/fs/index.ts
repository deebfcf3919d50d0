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

export { idFromSegments, idSegments, SEGMENT_CHUNK } from '../spi/id-segments.js';
export { decodeSnapshotFrame, encodeSnapshotFrame, SNAPSHOT_FRAME_VERSION, type SnapshotFrameIdentity } from '../spi/snapshot-frame.js';
export { FileSnapshotStore, type FileSnapshotStoreOptions } from './file-snapshot-store.js';
export { parseSnapshotFileName, snapshotFileName } from './layout.js';
