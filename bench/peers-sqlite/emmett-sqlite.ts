/**
 * Emmett SQLite (@event-driven-io/emmett-sqlite 0.38.5) as a peer. It lives in
 * bench/peers-sqlite/ with its own package.json because emmett-sqlite 0.38.5 needs
 * @event-driven-io/emmett 0.38.5 as a peer, while emmett-postgresql 0.42.0 (bench/) needs
 * 0.42.0; 0.42.x of emmett-sqlite cannot be installed from the registry here.
 *
 * One sqlite3 connection for the peer's life, opened by the library's own
 * `sqliteConnection` (which sets WAL), driven by the library's own exported event-store
 * functions: `createEventStoreSchema`, `appendToStream` (one BEGIN IMMEDIATE transaction per
 * call, expected version checked) and `readStream`, folded the way `aggregateStream` folds.
 * That is the mode Emmett itself uses for in-memory databases, and the one its later releases
 * offer for files (`connectionOptions: { singleton: true }`): bench/peers/README.md says why.
 *
 * Not `getSQLiteEventStore({ fileName })`: for a file, 0.38.5 opens a connection per
 * operation and sends `PRAGMA journal_mode = WAL` on it without waiting. node-sqlite3 steps
 * that statement once (it returns a row) and finalizes it later, so when the machine is busy
 * it can still be open when the append's COMMIT arrives, which then fails with `SQLITE_BUSY:
 * cannot commit transaction - SQL statements in progress` (13 of 3,000 appends here) and the
 * library prints the error. With one connection, that PRAGMA runs once, during setup().
 *
 * One operation at a time: all operations share the connection, and the library's
 * transaction helper keeps its nesting count per connection, so two appends at once would
 * share one transaction. The adapter queues every call behind the previous one.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExpectedVersionConflictError } from '@event-driven-io/emmett';
import {
  appendToStream,
  createEventStoreSchema,
  readStream,
  type SQLiteConnection,
  sqliteConnection,
} from '@event-driven-io/emmett-sqlite';
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

/** The stream type Emmett's own event store derives from a stream name ('cart-1' -> 'cart'). */
const streamTypeOf = (streamName: string): string => {
  const [first, ...rest] = streamName.split('-');
  return first && rest.length > 0 ? first : 'emt:unknown';
};

export function createEmmettSqlitePeer(options: Pick<PeerOptions, 'sqliteDir'> & { fileName?: string }): PeerEventStore {
  const file = join(options.sqliteDir, options.fileName ?? 'emmett-sqlite.db');
  let connection: SQLiteConnection | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  let retries = 0;
  // Kept as a safety net so that a rare failure is counted in the report instead of ending the row.
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

  const opened = (): SQLiteConnection => {
    if (!connection) throw new Error('emmett-sqlite peer: setup() first');
    return connection;
  };

  return {
    name: `emmett-sqlite ${version()}`,

    async setup() {
      mkdirSync(options.sqliteDir, { recursive: true });
      connection ??= sqliteConnection({ fileName: file });
      // Schema and a first read here, untimed: also lets the connection's WAL pragma finish.
      await oneAtATime(() => createEventStoreSchema(opened()));
      await oneAtATime(() => readStream(opened(), 'memento-bench-setup'));
    },

    async append(streamId: string, events: readonly PeerEvent[], expectedVersion: number) {
      const result = await oneAtATime(() =>
        appendToStream(opened(), streamId, streamTypeOf(streamId), events as BenchEvent[], {
          expectedStreamVersion: BigInt(expectedVersion),
        }),
      );
      if (!result.success) throw new ExpectedVersionConflictError(-1n, BigInt(expectedVersion));
    },

    async load(streamId: string) {
      const { events } = await oneAtATime(() => readStream<BenchEvent>(opened(), streamId));
      let state: FoldState = initialFold();
      for (const event of events) if (event) state = foldStep(state, event.data);
      return state.count;
    },

    remarks() {
      return retries > 0 ? `operations retried after SQLITE_BUSY: ${retries}` : undefined;
    },

    async teardown() {
      await tail;
      connection?.close();
      connection = undefined;
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}
