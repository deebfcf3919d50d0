/**
 * How {@link FileSnapshotStore} reads: a directory's names and a whole snapshot file, through
 * the callback API of `node:fs` (a load is a handful of small calls, and the promise API's
 * per-call overhead is a visible share of each).
 * @module
 */
import { close as closeFd, fstat, open as openFd, readdir as readdirCallback, read as readFd } from 'node:fs';
import { NewestPerId } from '../spi/newest-per-id.js';
import { CHECKSUM_AS_READ_FROM_BYTES, declaredFrameLength, SnapshotEnvelopeChecksum } from '../spi/snapshot-frame.js';

/** The names in a directory. */
export function readNames(dir: string): Promise<string[]> {
  return new Promise((resolve, reject) => readdirCallback(dir, (error, names) => (error ? reject(error) : resolve(names))));
}

/** Bytes of a snapshot file's first read: most snapshots are smaller and need no other. */
const FIRST_READ_BYTES = 64 * 1024;

/**
 * Files from {@link CHECKSUM_AS_READ_FROM_BYTES} on are read in chunks of this size, the
 * snapshot envelope's checksum computed chunk by chunk as each arrives: while the next chunk
 * is read on the thread pool, and while this one is still in the CPU's cache. Read in one
 * call, a 10 MB file is checksummed afterwards from main memory, which took longer than the
 * read itself.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A whole snapshot file in one buffer. First open and one read of {@link FIRST_READ_BYTES}:
 * when that came back short and is exactly the frame its header declares, it is the file
 * (three calls through the thread pool; `readFile` makes four). Otherwise (a larger file,
 * a damaged header, a read cut short) fstat and read the whole size, in one call below
 * {@link CHECKSUM_AS_READ_FROM_BYTES} (`readFile` reads 512 KiB per call) and in checksummed chunks
 * from it. Like `readFile`, it reads the size fstat reported; a file changed meanwhile fails
 * the frame's checks. `sizeHint`, the size the file had when this store last saw it, makes
 * the first read of a smaller file that large plus one byte, so a file it knows is read in
 * three calls too (the extra byte tells a file that grew).
 */
export function readWhole(path: string, sizeHint = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    openFd(path, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      const finish = (error: Error | null, bytes?: Buffer) =>
        closeFd(fd, (closeError) => (error || closeError ? reject(error ?? closeError) : resolve(bytes as Buffer)));
      const firstBytes = sizeHint + 1 < CHECKSUM_AS_READ_FROM_BYTES ? Math.max(FIRST_READ_BYTES, sizeHint + 1) : FIRST_READ_BYTES;
      const first = Buffer.allocUnsafe(firstBytes);
      readFd(fd, first, 0, firstBytes, 0, (firstError, firstCount) => {
        if (firstError) return finish(firstError);
        if (firstCount < firstBytes && declaredFrameLength(first.subarray(0, firstCount)) === firstCount) {
          return finish(null, first.subarray(0, firstCount));
        }
        fstat(fd, (statError, stats) => {
          if (statError) return finish(statError);
          const buffer = Buffer.allocUnsafe(stats.size);
          if (buffer.length === 0) return finish(null, buffer);
          // The first read's bytes are reused; the rest comes in one call, or in chunks.
          let filled = first.copy(buffer, 0, 0, Math.min(firstCount, buffer.length));
          const checked = buffer.length >= CHECKSUM_AS_READ_FROM_BYTES ? SnapshotEnvelopeChecksum.of(buffer, filled) : undefined;
          const chunk = checked ? READ_CHUNK_BYTES : buffer.length;
          // Asks for the next chunk, then checksums what is in while the thread pool reads it.
          const readMore = () => {
            readFd(fd, buffer, filled, Math.min(chunk, buffer.length - filled), filled, next);
            checked?.advance(filled);
          };
          const done = () => {
            checked?.advance(filled);
            checked?.finish();
            finish(null, buffer.subarray(0, filled));
          };
          const next = (readError: Error | null, count: number) => {
            if (readError) return finish(readError);
            filled += count;
            if (count === 0 || filled === buffer.length) return done();
            readMore();
          };
          if (filled === buffer.length) return done();
          readMore();
        });
      });
    });
  });
}

/** Ids whose last file a store remembers (oldest forgotten first); about 150 bytes each. */
const REMEMBERED_IDS = 1024;

/** A snapshot file by name, with the sequence number and timestamp its name holds. */
export interface KnownFile {
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly name: string;
  /** Its size in bytes, when saved or read. */
  readonly size: number;
}

/**
 * Per id, the newest file a store saved or loaded, so the next load of that id reads it
 * while the directory is listed instead of after. The listing stays the index: the early
 * read is used only for the file the listing then picks.
 */
export class KnownFiles extends NewestPerId<KnownFile> {
  constructor() {
    super(REMEMBERED_IDS);
  }
}
