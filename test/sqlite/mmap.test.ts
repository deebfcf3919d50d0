import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import { acquireConnection, releaseConnection } from '../../src/sqlite/connection.js';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { checkOptions } from '../../src/sqlite/options.js';
import { Database, removeTempDirs, tempFile } from './helpers.js';

afterAll(removeTempDirs);

const MIB = 1024 * 1024;

/** `PRAGMA mmap_size` of the connection the stores share on `file`, read without opening another. */
function sharedMmapSize(file: string, mmapBytes: number): number {
  const connection = acquireConnection(file, checkOptions(file, { mmapBytes }));
  try {
    return (connection.db.prepare('PRAGMA mmap_size').get() as { mmap_size: number }).mmap_size;
  } finally {
    releaseConnection(connection);
  }
}

describe('SQLite mmapBytes option', () => {
  it('refuses anything but a non-negative safe integer, naming the option, what it expected and what it found', () => {
    const file = tempFile('mmap');
    for (const bad of [-1, 1.5, '256MiB', Number.NaN, 2 ** 53]) {
      let caught: unknown;
      try {
        new SqliteSnapshotStore(file, { mmapBytes: bad as number });
      } catch (error) {
        caught = error;
      }
      expect(isMementoError(caught, ErrorCodes.invalidArgument)).toBe(true);
      expect(caught).toMatchObject({ argument: 'options.mmapBytes', source: 'sqlite', expected: 'an integer >= 0', actual: bad });
      expect((caught as Error).message).toContain('options.mmapBytes');
    }
  });

  it('sets PRAGMA mmap_size on the connection a store opens by path', async () => {
    const file = tempFile('mmap');
    const snapshots = new SqliteSnapshotStore(file, { mmapBytes: 256 * MIB });
    const journal = new SqliteJournal(file, { mmapBytes: 256 * MIB });
    await snapshots.save(new SnapshotMetadata({ persistenceId: 'm', sequenceNr: 1 }), { blob: 'x'.repeat(MIB) });
    await journal.ready();
    expect(sharedMmapSize(file, 256 * MIB)).toBe(256 * MIB);
    expect((await snapshots.load('m', SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ blob: 'x'.repeat(MIB) });
    await journal.close();
    await snapshots.close();
  });

  it('is off by default on a file the store opens', async () => {
    const file = tempFile('mmap');
    const state = new SqliteDurableStateStore(file);
    await state.ready();
    expect(sharedMmapSize(file, 0)).toBe(0);
    await state.close();
  });

  it('sets it on a Database passed in, and leaves the caller’s own setting alone when not asked', async () => {
    const db = new Database(tempFile('mmap'));
    const journal = new SqliteJournal(db, { mmapBytes: 8 * MIB });
    await journal.ready();
    expect(db.prepare('PRAGMA mmap_size').get()).toEqual({ mmap_size: 8 * MIB });
    await journal.close();
    const own = new Database(tempFile('mmap'));
    own.exec(`PRAGMA mmap_size = ${4 * MIB}`);
    const state = new SqliteDurableStateStore(own);
    await state.upsert('s', 1, 'v');
    expect(own.prepare('PRAGMA mmap_size').get()).toEqual({ mmap_size: 4 * MIB });
    await state.close();
    db.close();
    own.close();
  });

  it('refuses a store on the same file asking for another value than the open connection', async () => {
    const file = tempFile('mmap');
    const journal = new SqliteJournal(file, { mmapBytes: 256 * MIB });
    await journal.ready();
    for (const other of [new SqliteSnapshotStore(file), new SqliteDurableStateStore(file, { mmapBytes: MIB })]) {
      const error = await other.ready().then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(isMementoError(error, ErrorCodes.invalidArgument)).toBe(true);
      expect(error).toMatchObject({ argument: 'options.mmapBytes', expected: 256 * MIB });
      expect(error?.message).toContain('stores on one file share one connection');
      await other.close();
    }
    await journal.close();
  });
});
