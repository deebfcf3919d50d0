/**
 * What the bare better-sqlite3 driver can do for each journal workload, strategy by
 * strategy, so that a reference is the best of them rather than one naive loop. Every
 * strategy stores the same events (payload: `JSON.stringify` of the event, done inside the
 * timed section as an application must) into the journal's own `journal` table (same
 * columns, AUTOINCREMENT ordering and UNIQUE (persistence_id, sequence_nr) index), with the
 * journal's pragmas (WAL, the same `synchronous`). It skips what only Memento keeps: the
 * `journal_highest` table, envelopes and checksums.
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import { Database, type RawSqlite, type SqliteModule } from '../scenarios/common.js';

type SqliteStatement = BetterSqlite3.Statement;

/** An event as the benchmark hands it to every contender. */
export interface RawEvent {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly event: unknown;
}

const payloadOf = (event: unknown): Buffer => Buffer.from(JSON.stringify(event));

const insertSql = (rows: number) =>
  `INSERT INTO journal (persistence_id, sequence_nr, timestamp, payload) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ')}`;

/** Opens `file` with the journal's schema (created by SqliteJournal's migrations) and its pragmas. */
export async function openRaw(plugin: SqliteModule, file: string, synchronous: 'FULL' | 'NORMAL'): Promise<RawSqlite> {
  const setup = new plugin.SqliteJournal(file, { synchronous });
  await setup.ready();
  await setup.close();
  const db = new Database(file);
  db.exec(`PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous}`);
  return db;
}

/** Multi-row INSERT statements by row count, prepared once per connection. */
class Inserts {
  readonly #statements: SqliteStatement[] = [];
  constructor(private readonly db: RawSqlite) {}
  of(rows: number): SqliteStatement {
    let statement = this.#statements[rows];
    if (!statement) {
      statement = this.db.prepare(insertSql(rows));
      this.#statements[rows] = statement;
    }
    return statement;
  }
}

/** Inserts `events` with statements of up to `rowsPerStatement` rows each (call inside a transaction). */
function insertAll(inserts: Inserts, events: readonly RawEvent[], rowsPerStatement: number): void {
  for (let at = 0; at < events.length; at += rowsPerStatement) {
    const count = Math.min(rowsPerStatement, events.length - at);
    const params: unknown[] = new Array(count * 4);
    for (let index = 0; index < count; index++) {
      const event = events[at + index] as RawEvent;
      params[index * 4] = event.persistenceId;
      params[index * 4 + 1] = event.sequenceNr;
      params[index * 4 + 2] = event.timestamp;
      params[index * 4 + 3] = payloadOf(event.event);
    }
    inserts.of(count).run(params);
  }
}

/**
 * Bulk append strategies: every event in one transaction (as the journal's group commit
 * stores one `write` call of every entity), by statements of 1, 10, 100 or 1000 rows.
 */
export const SQLITE_BULK_STRATEGIES: Record<string, number> = {
  'prepared single-row INSERT per event, all in one transaction': 1,
  'prepared multi-row INSERT of 10 rows, all in one transaction': 10,
  'prepared multi-row INSERT of 100 rows, all in one transaction': 100,
  'prepared multi-row INSERT of 1000 rows, all in one transaction': 1000,
};

/** Runs one bulk strategy on an open database; returns the milliseconds of the timed section. */
export function bulkAppend(db: RawSqlite, events: readonly RawEvent[], rowsPerStatement: number): number {
  const inserts = new Inserts(db);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const started = performance.now();
  begin.run();
  insertAll(inserts, events, rowsPerStatement);
  commit.run();
  return performance.now() - started;
}

/**
 * Strategies for "many writers, each awaiting each single-event insert": what a hand-written
 * application can do around the synchronous driver.
 */
export type ConcurrentStrategy = 'autocommit' | 'group-single' | 'group-multi';

export const SQLITE_CONCURRENT_STRATEGIES: Record<ConcurrentStrategy, string> = {
  autocommit: 'one autocommit INSERT per event (one commit each)',
  'group-single':
    'group commit by hand: inserts queued during one event-loop turn (setImmediate) go in one BEGIN IMMEDIATE ... COMMIT, one prepared single-row INSERT each',
  'group-multi':
    'group commit by hand: inserts queued during one event-loop turn go in one transaction as multi-row INSERTs of up to 100 rows',
};

/** A writer's single-event insert under one of the concurrent strategies. */
export function concurrentInserter(db: RawSqlite, strategy: ConcurrentStrategy): (event: RawEvent) => Promise<void> {
  const inserts = new Inserts(db);
  if (strategy === 'autocommit') {
    return async (event) => {
      inserts.of(1).run(event.persistenceId, event.sequenceNr, event.timestamp, payloadOf(event.event));
    };
  }
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  let queue: { event: RawEvent; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    try {
      begin.run();
      try {
        insertAll(
          inserts,
          batch.map((item) => item.event),
          strategy === 'group-single' ? 1 : 100,
        );
        commit.run();
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) item.resolve();
  };
  return (event) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ event, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

/**
 * Replay strategies: read one id's rows in keyset pages of `pageSize` and `JSON.parse` each
 * event's payload (the rows an application stored: plain JSON). Each returns the count.
 */
export const SQLITE_REPLAY_STRATEGIES = {
  'row objects (.all), pages of 1000, JSON.parse per event': (db: RawSqlite, table: string, id: string) =>
    readPages(db, table, id, 1000, 'objects'),
  'arrays (.raw().all), pages of 1000, JSON.parse per event': (db: RawSqlite, table: string, id: string) =>
    readPages(db, table, id, 1000, 'raw'),
  'arrays (.raw().iterate) over one query, JSON.parse per event': (db: RawSqlite, table: string, id: string) => iterateAll(db, table, id),
  'packed pages of 1000 (group_concat of payloads + lengths, as the journal reads), JSON.parse per event': (
    db: RawSqlite,
    table: string,
    id: string,
  ) => readPacked(db, table, id, 1000),
} as const;

const COLUMNS = 'sequence_nr, timestamp, manifest, writer_id, tags, payload, metadata';

function readPages(db: RawSqlite, table: string, id: string, pageSize: number, mode: 'objects' | 'raw'): number {
  const statement = db.prepare(
    `SELECT ${COLUMNS} FROM ${table} WHERE persistence_id = ? AND sequence_nr >= ? ORDER BY sequence_nr LIMIT ${pageSize}`,
  );
  if (mode === 'raw') statement.raw(true);
  let next = 1;
  let count = 0;
  let sink = 0;
  while (true) {
    const rows = statement.all(id, next) as unknown[];
    for (const row of rows) {
      const payload = mode === 'raw' ? ((row as unknown[])[5] as Buffer) : (row as { payload: Buffer }).payload;
      sink += (JSON.parse(payload.toString()) as { quantity: number }).quantity;
    }
    count += rows.length;
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1];
    next = (mode === 'raw' ? ((last as unknown[])[0] as number) : (last as { sequence_nr: number }).sequence_nr) + 1;
  }
  return sink >= 0 ? count : -1;
}

function iterateAll(db: RawSqlite, table: string, id: string): number {
  const statement = db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE persistence_id = ? ORDER BY sequence_nr`).raw(true);
  let count = 0;
  let sink = 0;
  for (const row of statement.iterate(id) as Iterable<unknown[]>) {
    sink += (JSON.parse((row[5] as Buffer).toString()) as { quantity: number }).quantity;
    count++;
  }
  return sink >= 0 ? count : -1;
}

function readPacked(db: RawSqlite, table: string, id: string, pageSize: number): number {
  const statement = db
    .prepare(
      `SELECT count(*), CAST(group_concat(payload, '') AS BLOB), group_concat(sequence_nr || ',' || length(payload)) FROM (
SELECT sequence_nr, payload FROM ${table} WHERE persistence_id = ? AND sequence_nr >= ? ORDER BY sequence_nr LIMIT ${pageSize})`,
    )
    .raw(true);
  let next = 1;
  let count = 0;
  let sink = 0;
  while (true) {
    const [rows, payloads, dense] = statement.get(id, next) as [number, Buffer | null, string | null];
    if (rows === 0 || payloads === null || dense === null) break;
    const numbers = JSON.parse(`[${dense}]`) as number[];
    let at = 0;
    for (let index = 0; index < rows; index++) {
      const end = at + (numbers[index * 2 + 1] as number);
      sink += (JSON.parse(payloads.toString('utf8', at, end)) as { quantity: number }).quantity;
      at = end;
    }
    count += rows;
    if (rows < pageSize) break;
    next = (numbers[(rows - 1) * 2] as number) + 1;
  }
  return sink >= 0 ? count : -1;
}
