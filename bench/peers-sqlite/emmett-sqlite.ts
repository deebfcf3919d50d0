/**
 * Emmett SQLite (@event-driven-io/emmett-sqlite 0.38.5) as a peer. It lives in
 * bench/peers-sqlite/ with its own package.json because emmett-sqlite 0.38.5 needs
 * @event-driven-io/emmett 0.38.5 as a peer, while emmett-postgresql 0.42.0 (bench/) needs
 * 0.42.0; 0.42.x of emmett-sqlite cannot be installed from the registry here.
 *
 * The library's own API as its users call it: `getSQLiteEventStore({ fileName })`,
 * `appendToStream` with `expectedStreamVersion`, `aggregateStream`. Emmett SQLite opens
 * and closes a sqlite3 connection around every operation on a file database and has no
 * close(); that cost is part of what is measured. Its pragmas are the library's defaults.
 *
 * One operation at a time: the store keeps one connection in a shared variable and closes
 * it when any operation ends, so a second operation running at the same time fails
 * (`SQLITE_MISUSE: Database is closed`, or `SQLITE_BUSY: cannot commit transaction - SQL
 * statements in progress`). Its documentation presents it for development, tests and
 * embedded use, one caller at a time; so this adapter queues every call behind the previous
 * one, which is how such a store must be used from concurrent code.
 *
 * Even one at a time, about one operation in a hundred fails with `SQLITE_BUSY: cannot
 * commit transaction - SQL statements in progress` (more often on a loaded machine): every
 * operation opens a fresh sqlite3 connection and sends `PRAGMA journal_mode = WAL` on it
 * without waiting, and node-sqlite3 may still be running that statement when the append's
 * COMMIT arrives. Nothing is committed then (the library rolls back, and a retry with the
 * same expected version succeeds), so this adapter retries such an operation, as an
 * application using the library would have to, and counts the retries for the report.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getSQLiteEventStore, type SQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import { type FoldState, foldStep, initialFold, type PeerEvent, type PeerEventStore, type PeerOptions } from '../peers/peer.js';

type BenchEvent = { type: string; data: Record<string, unknown> };

/** Attempts per operation before an SQLITE_BUSY is reported as a failure. */
const MAX_ATTEMPTS = 5;

const version = (): string => {
  try {
    const url = new URL('./node_modules/@event-driven-io/emmett-sqlite/package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
};

export function createEmmettSqlitePeer(options: Pick<PeerOptions, 'sqliteDir'> & { fileName?: string }): PeerEventStore {
  const file = join(options.sqliteDir, options.fileName ?? 'emmett-sqlite.db');
  let store: SQLiteEventStore | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  let retries = 0;
  const withRetry = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || (error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
        retries++;
      }
    }
  };
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const attempt = () => withRetry(work);
    const next = tail.then(attempt, attempt);
    tail = next.catch(() => {});
    return next;
  };

  const opened = (): SQLiteEventStore => {
    if (!store) throw new Error('emmett-sqlite peer: setup() first');
    return store;
  };

  return {
    name: `emmett-sqlite ${version()}`,

    async setup() {
      mkdirSync(options.sqliteDir, { recursive: true });
      store ??= getSQLiteEventStore({ fileName: file });
      // Emmett creates its schema on the first operation; make that happen here, untimed.
      await store.readStream('memento-bench-setup');
    },

    async append(streamId: string, events: readonly PeerEvent[], expectedVersion: number) {
      await oneAtATime(() =>
        opened().appendToStream<BenchEvent>(streamId, events as BenchEvent[], {
          expectedStreamVersion: BigInt(expectedVersion),
        }),
      );
    },

    async load(streamId: string) {
      const { state } = await oneAtATime(() =>
        opened().aggregateStream<FoldState, BenchEvent>(streamId, {
          initialState: initialFold,
          evolve: (state: FoldState, event: BenchEvent) => foldStep(state, event.data),
        }),
      );
      return state.count;
    },

    remarks() {
      return retries > 0 ? `operations retried after SQLITE_BUSY from the library's own connection handling: ${retries}` : undefined;
    },

    async teardown() {
      // Every operation already closed its connection; only the files remain.
      store = undefined;
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}
