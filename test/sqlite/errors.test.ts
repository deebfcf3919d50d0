import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { atomicWrite, collect, Database, removeTempDirs, tempDir, tempFile } from './helpers.js';

afterAll(removeTempDirs);

const children: ChildProcess[] = [];
const stores: { close(): Promise<void> }[] = [];
const track = <S extends { close(): Promise<void> }>(store: S): S => {
  stores.push(store);
  return store;
};
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts another process that holds the write lock of `file` until killed. */
async function lockFromAnotherProcess(file: string): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script, file], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

const isUnavailable = (error: unknown) => isMementoError(error, ErrorCodes.storeUnavailable);

describe('SQLite failures', () => {
  it('fails with StoreUnavailableError naming the file when another process holds the lock beyond the busy timeout', async () => {
    const file = tempFile('locked');
    const journal = track(new SqliteJournal(file, { busyTimeoutMs: 150 }));
    const snapshots = track(new SqliteSnapshotStore(file, { busyTimeoutMs: 150 }));
    const state = track(new SqliteDurableStateStore(file, { busyTimeoutMs: 150 }));
    expect(await journal.write([atomicWrite('l', 1)])).toEqual([undefined]);
    const holder = await lockFromAnotherProcess(file);

    const failure = await journal.write([atomicWrite('l', 2), atomicWrite('m', 1)]).catch((error: unknown) => error);
    expect(isUnavailable(failure)).toBe(true);
    expect((failure as Error).message).toContain(file);
    expect((failure as Error).message).toMatch(/locked by another connection beyond the busy timeout of 150 ms/);
    expect((failure as { source?: string }).source).toBe('sqlite');
    await expect(snapshots.save(new SnapshotMetadata({ persistenceId: 'l', sequenceNr: 1 }), 'state')).rejects.toSatisfy(isUnavailable);
    await expect(state.upsert('l', 1, 'value')).rejects.toSatisfy(isUnavailable);
    await expect(journal.deleteTo('l', 1)).rejects.toSatisfy(isUnavailable);
    // WAL: readers are not blocked by a writer.
    expect((await collect(journal.replay('l', 1, 10))).map((repr) => repr.sequenceNr)).toEqual([1]);

    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(await journal.write([atomicWrite('l', 2)])).toEqual([undefined]);
  });

  it('fails to open a file that is not a database with CorruptDataError naming it, for every store', async () => {
    const file = join(tempDir('garbage'), 'notes.db');
    writeFileSync(file, 'this is a text file, not an SQLite database\n'.repeat(200));
    const journal = track(new SqliteJournal(file));
    for (const attempt of [
      journal.ready(),
      journal.write([atomicWrite('g', 1)]),
      track(new SqliteSnapshotStore(file)).load('g', SnapshotSelectionCriteria.Latest),
      track(new SqliteDurableStateStore(file)).get('g'),
    ]) {
      const error = await attempt.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isMementoError(error, ErrorCodes.corruptData)).toBe(true);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toContain('not an SQLite database');
    }
  });

  it('rejects a whole write call with StoreUnavailableError when the disk is full (max_page_count), storing nothing', async () => {
    const file = tempFile('full');
    const db = new Database(file);
    const journal = track(new SqliteJournal(db));
    await journal.write([atomicWrite('f', 1)]);
    const pages = Number((db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count);
    // Caps this connection's file size: what a full disk looks like to SQLite (SQLITE_FULL).
    db.prepare(`PRAGMA max_page_count = ${pages + 2}`).get();
    const big = (seed: number) => ({
      persistenceId: 'f',
      events: [
        { persistenceId: 'f', sequenceNr: seed, timestamp: 0, event: Array.from({ length: 4000 }, (_, i) => `${seed}-${i}`).join(',') },
      ],
    });
    // Both calls land in one group commit: the whole transaction fails, so both are rejected.
    const [small, large] = await Promise.allSettled([journal.write([atomicWrite('other', 1)]), journal.write([big(2)])]);
    expect(small.status).toBe('rejected');
    const failure = large.status === 'rejected' ? (large.reason as Error) : undefined;
    expect(isUnavailable(failure)).toBe(true);
    expect(small.status === 'rejected' && small.reason).toBe(failure);
    expect(failure?.message).toContain('disk is full');
    expect(failure?.message).toContain(file);
    db.prepare('PRAGMA max_page_count = 1073741823').get();
    expect(await journal.highestSequenceNr('f')).toBe(1);
    expect(await journal.highestSequenceNr('other')).toBe(0);
    expect(await journal.write([big(2)])).toEqual([undefined]);
    await journal.close();
    db.close();
  });

  it('rejects writes with StoreUnavailableError on a really full file system (a 256 KiB tmpfs when mountable, else max_page_count)', async () => {
    const dir = tempDir('tmpfs');
    const mountPoint = join(dir, 'mnt');
    mkdirSync(mountPoint);
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      // Not root or no mount namespace: fall back to the page cap, which SQLite reports identically.
    }
    const file = join(mountPoint, 'memento.db');
    const db = new Database(file);
    const journal = new SqliteJournal(db);
    try {
      if (!mounted) db.prepare('PRAGMA max_page_count = 64').get();
      let failure: unknown;
      for (let sequenceNr = 1; sequenceNr <= 200 && failure === undefined; sequenceNr++) {
        const payload = `${sequenceNr}:${'x'.repeat(8_000)}${Math.random()}`;
        failure = await journal
          .write([{ persistenceId: 'fs', events: [{ persistenceId: 'fs', sequenceNr, timestamp: 0, event: payload }] }])
          .then(
            () => undefined,
            (error: unknown) => error,
          );
      }
      expect(isUnavailable(failure)).toBe(true);
      expect((failure as Error).message).toMatch(/disk is full|I\/O error/);
      const highest = await journal.highestSequenceNr('fs');
      expect((await collect(journal.replay('fs', 1, Number.POSITIVE_INFINITY))).length).toBe(highest);
    } finally {
      await journal.close();
      db.close();
      if (mounted) execFileSync('umount', [mountPoint]);
    }
  });

  it('fails writes with StoreUnavailableError on a file opened read-only, while reads work', async () => {
    const file = tempFile('readonly');
    const writer = new SqliteJournal(file);
    await writer.write([atomicWrite('r', 1)]);
    await writer.close();
    const reader = track(new SqliteJournal(file, { readonly: true }));
    expect(await reader.highestSequenceNr('r')).toBe(1);
    const failure = await reader.write([atomicWrite('r', 2)]).catch((error: unknown) => error);
    expect(isUnavailable(failure)).toBe(true);
    expect((failure as Error).message).toContain('read-only');
    expect((failure as Error).message).toContain(file);
  });

  it('fails with StoreUnavailableError naming the path when the file cannot be created', async () => {
    // We run as root, so a chmod 0555 directory would not stop us; /proc refuses new files for everyone.
    const file = '/proc/self/memento.db';
    const journal = track(new SqliteJournal(file));
    const failure = await journal.ready().catch((error: unknown) => error);
    expect(isUnavailable(failure)).toBe(true);
    expect((failure as Error).message).toContain(file);
    expect((failure as Error).message).toContain('cannot open');
    const missing = track(new SqliteSnapshotStore(join(tempDir('missing'), 'absent', 'absent.db'), { readonly: true }));
    await expect(missing.ready()).rejects.toSatisfy(isUnavailable);
  });

  it('creates the missing directories of a new database file (a path like ./data/app.db in a fresh checkout)', async () => {
    const file = join(tempDir('nested'), 'data', 'deeper', 'app.db');
    const journal = track(new SqliteJournal(file));
    expect(await journal.write([atomicWrite('nested', 1)])).toEqual([undefined]);
    expect(existsSync(file)).toBe(true);
  });

  it('fails with StoreUnavailableError naming the directory when it cannot be created', async () => {
    const blocker = join(tempDir('blocked'), 'not-a-directory');
    writeFileSync(blocker, 'a file where the directory should be');
    const file = join(blocker, 'app.db');
    const failure = await track(new SqliteJournal(file))
      .ready()
      .catch((error: unknown) => error);
    expect(isUnavailable(failure)).toBe(true);
    expect((failure as Error).message).toContain(`cannot create the directory ${JSON.stringify(blocker)}`);
    expect((failure as Error).message).toContain(file);
  });
});
