import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSnapshotStore, idFromSegments, idSegments, SEGMENT_CHUNK } from '../../src/fs/index.js';
import {
  ErrorCodes,
  isMementoError,
  isStoreUnavailableError,
  Serialization,
  SnapshotMetadata,
  SnapshotSelectionCriteria,
} from '../../src/index.js';
import { collect, hostileIds } from '../../src/tck/index.js';
import { propertyRuns } from '../support/property-runs.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'memento-fs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const newId = (label: string) => `${label}-${randomUUID()}`;
const meta = (persistenceId: string, sequenceNr: number, timestamp = 1_000 + sequenceNr) =>
  new SnapshotMetadata({ persistenceId, sequenceNr, timestamp });
const seqs = async (store: FileSnapshotStore, id: string) => (await collect(store.list(id))).map((m) => m.sequenceNr);

/** Valid persistence ids: 1..255 UTF-8 bytes, no control characters, well-formed. */
const persistenceIds = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 80 })
  .map((value) => value.replace(/[\u0000-\u001f\u007f-\u009f]/g, 'x'))
  .filter((value) => value.length > 0 && Buffer.byteLength(value) <= 255 && value.isWellFormed());

describe('file layout', () => {
  it('keeps short ids in one directory level', () => {
    expect(idSegments('order-1')).toEqual(['order-1~']);
    expect(idSegments('../x')).toEqual(['%2E%2E%2Fx~']);
    expect(idSegments('CON')).toEqual(['%43%4F%4E~']);
  });

  it('splits long encodings into nested segments of at most 255 bytes, never inside an escape', () => {
    for (const id of [...hostileIds(), '🦀'.repeat(63), 'é'.repeat(127), 'x'.repeat(255)]) {
      const segments = idSegments(id);
      for (const segment of segments) {
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(SEGMENT_CHUNK + 1);
        expect(segment).toMatch(/^(?:[a-z0-9_-]|%[0-9A-F]{2})+[+~]$/);
      }
      expect(idFromSegments(segments)).toBe(id);
    }
    expect(idSegments('🦀'.repeat(63)).length).toBeGreaterThan(1);
  });

  it('is reversible and collision-free, and no id directory contains another', () => {
    fc.assert(
      fc.property(persistenceIds, persistenceIds, (a, b) => {
        const pathA = idSegments(a).join('/');
        const pathB = idSegments(b).join('/');
        expect(idFromSegments(idSegments(a))).toBe(a);
        if (a !== b) {
          expect(pathA.toLowerCase()).not.toBe(pathB.toLowerCase());
          expect(pathB.startsWith(`${pathA}/`)).toBe(false);
        }
      }),
      { numRuns: propertyRuns(500) },
    );
  });
});

describe('FileSnapshotStore', () => {
  it('stores one file per snapshot with zero-padded names that sort', async () => {
    const store = new FileSnapshotStore({ directory: root });
    const id = newId('names');
    for (const nr of [100, 9, 10]) await store.save(meta(id, nr), nr);
    const names = (await readdir(store.directoryOf(id))).sort();
    expect(names).toEqual([
      '0000000000000009-0000000000001009.snap',
      '0000000000000010-0000000000001010.snap',
      '0000000000000100-0000000000001100.snap',
    ]);
    await store.close();
  });

  it('ignores temp files left by a crash and cleans old ones on the next save of the id', async () => {
    const store = new FileSnapshotStore({ directory: root, staleTempFileMs: 60_000 });
    const id = newId('crash');
    await store.save(meta(id, 1), 'one');
    const dir = store.directoryOf(id);
    // A crash mid-save leaves a partial temp file; one of another process may be in flight.
    const stale = join(dir, '.0000000000000002-0000000000001002.snap.999-abc.tmp');
    const young = join(dir, '.0000000000000003-0000000000001003.snap.998-def.tmp');
    await writeFile(stale, 'MSNP half written');
    await writeFile(young, 'MSNP in flight');
    const old = new Date(Date.now() - 120_000);
    await utimes(stale, old, old);
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('one');
    expect(await seqs(store, id)).toEqual([1]);
    await store.save(meta(id, 4), 'four');
    const names = await readdir(dir);
    expect(names).not.toContain('.0000000000000002-0000000000001002.snap.999-abc.tmp');
    expect(names).toContain('.0000000000000003-0000000000001003.snap.998-def.tmp');
    expect(await seqs(store, id)).toEqual([1, 4]);
    await store.close();
  });

  it('falls back past a truncated file and a file renamed to the wrong sequence number', async () => {
    const store = new FileSnapshotStore({ directory: root });
    const id = newId('damage');
    for (const nr of [1, 2, 3]) await store.save(meta(id, nr), `s-${nr}`);
    const third = (await store.pathOf(id, 3)) as string;
    await truncate(third, 20);
    const dir = store.directoryOf(id);
    await writeFile(join(dir, '0000000000000004-0000000000001004.snap'), await readFile((await store.pathOf(id, 1)) as string));
    const skipped: number[] = [];
    const selected = await store.load(id, SnapshotSelectionCriteria.Latest, {
      onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
    });
    expect([selected?.snapshot, skipped]).toEqual(['s-2', [4, 3]]);
  });

  it('reads files on both sides of its first read (64 KiB) whole, and skips one with bytes appended after its frame', async () => {
    const store = new FileSnapshotStore({ directory: root, serialization: new Serialization({ compression: false }) });
    const id = newId('sizes');
    // Frames a little under, at and over the first read's size, and far over it.
    const sizes = [65_400, 65_430, 65_460, 65_490, 65_520, 65_550, 65_580, 1_000_000];
    for (const [index, size] of sizes.entries()) {
      const state = 'x'.repeat(size);
      await store.save(meta(id, index + 1), state);
      expect((await store.load(id, new SnapshotSelectionCriteria({ maxSequenceNr: index + 1 })))?.snapshot).toBe(state);
    }
    const small = newId('appended');
    for (const nr of [1, 2]) await store.save(meta(small, nr), `s-${nr}`);
    const second = (await store.pathOf(small, 2)) as string;
    await writeFile(second, Buffer.concat([await readFile(second), Buffer.from('trailing bytes')]));
    const skipped: number[] = [];
    const selected = await store.load(small, SnapshotSelectionCriteria.Latest, {
      onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
    });
    expect([selected?.snapshot, skipped]).toEqual(['s-1', [2]]);
  });

  it('skips a file whose snapshot envelope was swapped in from another file behind an intact header', async () => {
    const store = new FileSnapshotStore({ directory: root });
    const id = newId('swap');
    for (const nr of [1, 2]) await store.save(meta(id, nr), { state: `s-${nr}` });
    // Without user metadata a frame is a 31-byte fixed header, the id, then the snapshot envelope.
    const prefix = 31 + Buffer.byteLength(id);
    const [first, second] = [(await store.pathOf(id, 1)) as string, (await store.pathOf(id, 2)) as string];
    const [one, two] = [await readFile(first), await readFile(second)];
    await writeFile(second, Buffer.concat([two.subarray(0, prefix), one.subarray(prefix)]));
    const skipped: Error[] = [];
    const selected = await store.load(id, SnapshotSelectionCriteria.Latest, { onSkipped: (entry) => skipped.push(entry.error) });
    expect(selected?.snapshot).toEqual({ state: 's-1' });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.message).toMatch(new RegExp(`snapshot 2 of "${id}".*written for another place`));
  });

  it('resolves two files of one sequence number (crash mid-replace) to the later timestamp and cleans up', async () => {
    const store = new FileSnapshotStore({ directory: root });
    const id = newId('dupes');
    await store.save(meta(id, 5, 2_000), 'newer');
    const scratch = new FileSnapshotStore({ directory: join(root, 'scratch') });
    await scratch.save(meta(id, 5, 1_000), 'older');
    await rename((await scratch.pathOf(id, 5)) as string, join(store.directoryOf(id), '0000000000000005-0000000000001000.snap'));
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('newer');
    expect(await seqs(store, id)).toEqual([5]);
    await store.deleteMatching(id, SnapshotSelectionCriteria.None);
    expect(await readdir(store.directoryOf(id))).toEqual(['0000000000000005-0000000000002000.snap']);
  });

  it('reads the file it knows while listing, yet loads what the listing picks: newer, replaced, deleted or damaged', async () => {
    const store = new FileSnapshotStore({ directory: root });
    const other = new FileSnapshotStore({ directory: root });
    const id = newId('known');
    await store.save(meta(id, 1), 'one');
    await store.save(meta(id, 2), 'two');
    // Retention deleting older snapshots leaves the known one known.
    await store.deleteMatching(id, new SnapshotSelectionCriteria({ maxSequenceNr: 1 }));
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('two');
    // Saved by another store object (another process): the listing names it, the known file is not used.
    await other.save(meta(id, 3), 'three');
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('three');
    // Criteria that exclude the known file.
    expect((await store.load(id, new SnapshotSelectionCriteria({ maxSequenceNr: 2 })))?.snapshot).toBe('two');
    // Replaced behind its back under another timestamp: the listing's winner, not the known name.
    await other.save(meta(id, 3, 9_000), 'three again');
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('three again');
    // Deleted behind its back, then damaged: the next older one, reported as before.
    await other.deleteMatching(id, new SnapshotSelectionCriteria({ minSequenceNr: 3 }));
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('two');
    await other.save(meta(id, 4), 'four');
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('four');
    await truncate((await store.pathOf(id, 4)) as string, 20);
    const skipped: number[] = [];
    const selected = await store.load(id, SnapshotSelectionCriteria.Latest, {
      onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
    });
    expect([selected?.snapshot, skipped]).toEqual(['two', [4]]);
    await store.delete(meta(id, 2));
    expect(await store.load(id, SnapshotSelectionCriteria.Latest)).toBeNull();
  });

  it('checks every byte of a large file read in chunks: one changed byte anywhere is skipped as damaged', async () => {
    const store = new FileSnapshotStore({ directory: root, serialization: new Serialization({ compression: false }) });
    const id = newId('chunked');
    // Read as a first read of 64 KiB and then chunks of 1 MiB: bytes on both sides of each seam.
    const state = new Uint8Array(2_500_000).map((_, index) => (index * 31) % 251);
    await store.save(meta(id, 1), 'older');
    await store.save(meta(id, 2), state);
    // Compared as one buffer: an element-by-element deep equality of 2.5 million bytes takes seconds.
    const sameBytes = (loaded: unknown) => Buffer.from(loaded as Uint8Array).equals(state);
    expect(sameBytes((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot)).toBe(true);
    const path = (await store.pathOf(id, 2)) as string;
    const frame = await readFile(path);
    const seams = [65_535, 65_536, 65_536 + 1_048_575, 65_536 + 1_048_576, 65_536 + 2 * 1_048_576];
    const positions = [100, ...seams, frame.length - 5, frame.length - 1];
    for (const position of positions) {
      const damaged = Buffer.from(frame);
      damaged[position] = (damaged[position] as number) ^ 0x10;
      await writeFile(path, damaged);
      const skipped: number[] = [];
      const onSkipped = (entry: { metadata: SnapshotMetadata }) => skipped.push(entry.metadata.sequenceNr);
      // The store that knows the file reads it while listing; a new store object reads it after.
      for (const reader of [store, new FileSnapshotStore({ directory: root })]) {
        expect([position, (await reader.load(id, SnapshotSelectionCriteria.Latest, { onSkipped }))?.snapshot]).toEqual([position, 'older']);
      }
      expect(skipped).toEqual([2, 2]);
    }
    await writeFile(path, frame);
    expect(sameBytes((await new FileSnapshotStore({ directory: root }).load(id, SnapshotSelectionCriteria.Latest))?.snapshot)).toBe(true);
  });

  it('reads a large file it knows by its known size, and still tells one that grew or shrank', async () => {
    const store = new FileSnapshotStore({ directory: root, serialization: new Serialization({ compression: false }) });
    const id = newId('known-size');
    const big = 'y'.repeat(300_000);
    await store.save(meta(id, 1), 'small');
    await store.save(meta(id, 2), big);
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe(big);
    const path = (await store.pathOf(id, 2)) as string;
    const frame = await readFile(path);
    await writeFile(path, Buffer.concat([frame, Buffer.from('x')]));
    const skipped: number[] = [];
    const onSkipped = (entry: { metadata: SnapshotMetadata }) => skipped.push(entry.metadata.sequenceNr);
    expect((await store.load(id, SnapshotSelectionCriteria.Latest, { onSkipped }))?.snapshot).toBe('small');
    await store.save(meta(id, 2), big);
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe(big);
    await truncate(path, frame.length - 1);
    expect((await store.load(id, SnapshotSelectionCriteria.Latest, { onSkipped }))?.snapshot).toBe('small');
    expect(skipped).toEqual([2, 2]);
  });

  it('ignores files it did not write', async () => {
    const store = new FileSnapshotStore({ directory: root });
    const id = newId('foreign');
    await store.save(meta(id, 1), 'one');
    await writeFile(join(store.directoryOf(id), 'README.txt'), 'hello');
    await mkdir(join(store.directoryOf(id), 'sub'));
    expect(await seqs(store, id)).toEqual([1]);
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('one');
  });

  it('keeps hostile ids inside the directory and apart', async () => {
    const dir = join(root, 'hostile');
    const store = new FileSnapshotStore({ directory: dir, fsync: false });
    const ids = [...hostileIds(), '..', '.', '%2F', 'a/b', '../x', 'CON', 'con', 'Ａ'];
    for (const id of ids) await store.save(meta(id, 1), id);
    for (const id of ids) {
      expect(store.directoryOf(id).startsWith(`${dir}/`)).toBe(true);
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe(id);
    }
    expect(await readdir(root)).not.toContain('x~');
  });

  it('turns file system failures into StoreUnavailableError naming the id and path', async () => {
    const blocker = join(root, 'not-a-directory');
    await writeFile(blocker, 'a file where the store wants a directory');
    const store = new FileSnapshotStore({ directory: blocker });
    const id = newId('broken');
    const error = await store.save(meta(id, 1), 'x').catch((caught: unknown) => caught);
    expect(isStoreUnavailableError(error)).toBe(true);
    expect((error as Error).message).toContain(id);
    expect((error as Error).message).toContain(blocker);
    await expect(store.load(id, SnapshotSelectionCriteria.Latest)).rejects.toSatisfy(isStoreUnavailableError);
  });

  it('checks its options', () => {
    expect(() => new FileSnapshotStore({} as { directory: string })).toThrow(
      expect.toSatisfy((error: unknown) => isMementoError(error, ErrorCodes.invalidArgument)),
    );
  });
});
