/**
 * Shared pieces of the SQLite tests: temp directories, a second connection for poking at
 * the file as another process would, and event builders.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtomicWrite, PersistentRepr } from '../../src/core/persistent-repr.js';
import type { SqliteDatabase, SqliteDriver } from '../../src/sqlite/client.js';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import type { StoreClasses } from '../support/store-set.js';

/** better-sqlite3, loaded the way a user's own code would. */
export const Database = createRequire(import.meta.url)('better-sqlite3') as SqliteDriver;

const dirs: string[] = [];

/** A fresh temp directory, removed by {@link removeTempDirs}. */
export function tempDir(label = 'sqlite'): string {
  const dir = mkdtempSync(join(tmpdir(), `memento-${label}-`));
  dirs.push(dir);
  return dir;
}

/** The SQLite stores, each on a database file, for `openStoreSet`. */
export const sqliteStoreClasses: StoreClasses<string> = {
  Journal: SqliteJournal,
  SnapshotStore: SqliteSnapshotStore,
  DurableStateStore: SqliteDurableStateStore,
};

/** A database path in a fresh temp directory. */
export function tempFile(label = 'sqlite'): string {
  return join(tempDir(label), 'memento.db');
}

/** Removes every directory made by {@link tempDir}. */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `work` on a separate connection to `file`, like another process would, and closes it. */
export function withDatabase<T>(file: string, work: (db: SqliteDatabase) => T): T {
  const db = new Database(file);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** Overwrites bytes in the middle of a stored snapshot's payload, as a bad disk sector would. */
export async function damageSnapshot(file: string, persistenceId: string, sequenceNr: number): Promise<void> {
  withDatabase(file, (db) => {
    const row = db.prepare('SELECT payload FROM snapshots WHERE persistence_id = ? AND sequence_nr = ?').get(persistenceId, sequenceNr) as
      | { payload: Buffer }
      | undefined;
    if (!row) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
    const damaged = Buffer.from(row.payload);
    const middle = Math.floor(damaged.length / 2);
    for (let index = middle; index < Math.min(damaged.length, middle + 4); index++) damaged[index] = (damaged[index] as number) ^ 0xff;
    db.prepare('UPDATE snapshots SET payload = ? WHERE persistence_id = ? AND sequence_nr = ?').run(damaged, persistenceId, sequenceNr);
  });
}

/** One event. */
export function event(persistenceId: string, sequenceNr: number, fields: Partial<PersistentRepr> = {}): PersistentRepr {
  return { persistenceId, sequenceNr, timestamp: 1_700_000_000_000 + sequenceNr, event: { n: sequenceNr }, ...fields };
}

/** An AtomicWrite of consecutive events starting at `first`. */
export function atomicWrite(persistenceId: string, first: number, count = 1): AtomicWrite {
  return { persistenceId, events: Array.from({ length: count }, (_, index) => event(persistenceId, first + index)) };
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
