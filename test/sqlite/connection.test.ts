import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { atomicWrite, Database, removeTempDirs, tempFile } from './helpers.js';

afterAll(removeTempDirs);

const isInvalidArgument = (error: unknown) => isMementoError(error, ErrorCodes.invalidArgument);

describe('SQLite options', () => {
  it('checks options eagerly in the constructor, naming the option', () => {
    const file = tempFile('options');
    const cases: [() => unknown, string][] = [
      [() => new SqliteJournal(file, { synchronous: 'OFF' as 'FULL' }), 'options.synchronous'],
      [() => new SqliteJournal(file, { busyTimeoutMs: -1 }), 'options.busyTimeoutMs'],
      [() => new SqliteJournal(file, { busyTimeoutMs: 1.5 }), 'options.busyTimeoutMs'],
      [() => new SqliteJournal(file, { replayPageSize: 0 }), 'options.replayPageSize'],
      [() => new SqliteSnapshotStore(file, { listPageSize: 'many' as unknown as number }), 'options.listPageSize'],
      [() => new SqliteDurableStateStore(file, { readonly: 'yes' as unknown as boolean }), 'options.readonly'],
      [() => new SqliteJournal(''), 'database'],
      [() => new SqliteJournal(42 as unknown as string), 'database'],
      [() => new SqliteJournal({ prepare: 1 } as unknown as string), 'database'],
    ];
    for (const [construct, argument] of cases) {
      let caught: unknown;
      try {
        construct();
      } catch (error) {
        caught = error;
      }
      expect(isInvalidArgument(caught)).toBe(true);
      expect(caught).toMatchObject({ argument, source: 'sqlite' });
    }
  });

  it('does no I/O in the constructor: an unopenable path fails at first use', async () => {
    const journal = new SqliteJournal('/proc/self/not-here/memento.db');
    await expect(journal.highestSequenceNr('x')).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.storeUnavailable));
    await journal.close();
  });

  it('applies synchronous and busy_timeout to the connection', async () => {
    for (const [synchronous, code] of [
      ['FULL', 2],
      ['NORMAL', 1],
    ] as const) {
      const db = new Database(tempFile('options'));
      const journal = new SqliteJournal(db, { synchronous, busyTimeoutMs: 1234 });
      await journal.ready();
      expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: code });
      expect(db.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 1234 });
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      await journal.close();
      db.close();
    }
  });
});

describe('sharing one file', () => {
  it('shares one connection between the stores on a path and closes it with the last store', async () => {
    const file = tempFile('share');
    const journal = new SqliteJournal(file);
    const snapshots = new SqliteSnapshotStore(file);
    const state = new SqliteDurableStateStore(file);
    await journal.write([atomicWrite('s', 1)]);
    await snapshots.save(new SnapshotMetadata({ persistenceId: 's', sequenceNr: 1 }), { at: 1 });
    await state.upsert('s', 1, { value: 1 });
    await journal.close();
    await snapshots.close();
    // Still open: the WAL file exists until SQLite's last connection closes and checkpoints it.
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(await state.get('s')).toEqual({ value: { value: 1 }, revision: 1 });
    await state.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SqliteSnapshotStore(file);
    expect((await reopened.load('s', SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ at: 1 });
    await reopened.close();
  });

  it('refuses a store whose connection settings disagree with the one already open on the file', async () => {
    const file = tempFile('share');
    const journal = new SqliteJournal(file, { synchronous: 'FULL' });
    await journal.ready();
    const other = new SqliteSnapshotStore(file, { synchronous: 'NORMAL' });
    const error = await other.ready().then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(isInvalidArgument(error)).toBe(true);
    expect(error?.message).toContain('stores on one file share one connection');
    await other.close();
    await journal.close();
  });

  it('uses an open Database without closing it', async () => {
    const db = new Database(tempFile('share'));
    const journal = new SqliteJournal(db);
    const state = new SqliteDurableStateStore(db);
    await journal.write([atomicWrite('d', 1, 2)]);
    await state.upsert('d', 1, 'v');
    await journal.close();
    await state.close();
    expect(db.open).toBe(true);
    expect(db.prepare("SELECT highest FROM journal_highest WHERE persistence_id = 'd'").get()).toEqual({ highest: 2 });
    db.close();
  });

  it('reports a Database closed by its owner as StoreUnavailableError', async () => {
    const db = new Database(tempFile('share'));
    const journal = new SqliteJournal(db);
    await journal.ready();
    db.close();
    await expect(journal.highestSequenceNr('x')).rejects.toSatisfy(
      (error) => isMementoError(error, ErrorCodes.storeUnavailable) && String((error as Error).message).includes('closed by its owner'),
    );
    await journal.close();
  });

  it('keeps writers in two processes-worth of connections from both taking a sequence number', async () => {
    const file = tempFile('share');
    const first = new SqliteJournal(file);
    await first.ready();
    // A second connection to the same file, as another process would have.
    const db = new Database(file);
    const second = new SqliteJournal(db);
    const results = await Promise.all([first.write([atomicWrite('race', 1)]), second.write([atomicWrite('race', 1)])]);
    expect(results.flat().filter((result) => result === undefined)).toHaveLength(1);
    expect(results.flat().filter((result) => isMementoError(result, ErrorCodes.concurrency))).toHaveLength(1);
    await first.close();
    await second.close();
    db.close();
  });
});
