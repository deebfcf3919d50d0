/**
 * Group commit: every journal write queued on a connection during one turn of the event
 * loop is stored by one `BEGIN IMMEDIATE ... COMMIT`, so many entities share one fsync.
 * Each AtomicWrite is all-or-nothing on its own: short untagged writes are gathered, several
 * writes to one multi-row INSERT (SQLite undoes a failed statement whole; should one hit a
 * duplicate key, the transaction is rolled back and the group stored again write by write),
 * longer or tagged writes run inside a SAVEPOINT, so a rejected write is rolled back alone
 * and the rest of the group commits.
 * @module
 */
import type { AtomicWrite } from '../core/persistent-repr.js';
import type { Serialization } from '../serialization/serialization.js';
import { type PreparedWrite, prepareWrite, type StoredEvent, sequenceConflict } from '../spi/journal-support.js';
import type { SqliteStatement } from './client.js';
import type { SqliteConnection } from './connection.js';
import { isUniqueViolation } from './errors.js';
import { NAME } from './options.js';
import {
  HIGHEST_CHUNKS,
  insertBareEvents,
  insertEvents,
  insertTag,
  MAX_ROWS_PER_GATHERED_INSERT,
  MAX_ROWS_PER_INSERT,
  selectHighest,
  selectHighestOfIds,
  selectMaxStored,
  selectVersion,
  upsertHighest,
} from './sql/journal-sql.js';

const EXTENSION = 'journal.groupCommit';
/** Most ids whose highest sequence number a connection keeps between groups. */
const MAX_KNOWN_IDS = 10_000;

type WriteResults = (Error | undefined)[];

/** Highest sequence numbers within one transaction: as stored when it began, and as advanced by its writes. */
interface Highest {
  readonly stored: Map<string, number>;
  readonly current: Map<string, number>;
}

/** Rows of short writes waiting to go out together in one INSERT. */
interface Gathered {
  readonly rows: StoredEvent[];
}

/** A gathered INSERT hit a duplicate key: which write is to blame is found by storing the group write by write. */
class GatheredInsertConflict extends Error {}

interface PendingCall {
  /** Validated, not yet serialized: each is serialized right before its INSERT. */
  readonly writes: readonly AtomicWrite[];
  readonly serialization: Serialization;
  readonly resolve: (results: WriteResults) => void;
  readonly reject: (error: unknown) => void;
}

/** The write queue of one connection, shared by every journal on it. */
export class GroupCommit {
  #queue: PendingCall[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  // Held in fields, not looked up per row: this loop is the journal's hot path.
  readonly #begin: SqliteStatement;
  readonly #commitStatement: SqliteStatement;
  readonly #savepoint: SqliteStatement;
  readonly #release: SqliteStatement;
  readonly #rollbackTo: SqliteStatement;
  readonly #selectHighest: SqliteStatement;
  /** Multi-row inserts by row count: one statement per write instead of one per event. */
  readonly #insertEvents: SqliteStatement[] = [];
  /** The same for rows that leave manifest, tags and metadata NULL (most events). */
  readonly #insertBareEvents: SqliteStatement[] = [];
  readonly #insertTag: SqliteStatement;
  /** Upserts of the highest sequence numbers by id count (one of HIGHEST_CHUNKS). */
  readonly #upsertHighest: SqliteStatement[] = [];
  readonly #selectHighestOfIds: SqliteStatement;
  readonly #selectVersion: SqliteStatement;
  /**
   * Highest sequence numbers as this connection last committed them, so a group reads
   * journal_highest only for ids it has not written before. Trusted only while the file is as
   * our last commit left it: `#version` is (data_version, total_changes()) read just before
   * that commit; another connection's commit changes the first, any other write on this
   * connection (another store, the application's own statements) the second.
   */
  readonly #known = new Map<string, number>();
  #version: string | undefined;

  constructor(private readonly connection: SqliteConnection) {
    this.#begin = connection.statement('BEGIN IMMEDIATE');
    this.#commitStatement = connection.statement('COMMIT');
    this.#savepoint = connection.statement('SAVEPOINT memento_write');
    this.#release = connection.statement('RELEASE memento_write');
    this.#rollbackTo = connection.statement('ROLLBACK TO memento_write');
    this.#selectHighest = connection.rawStatement(selectHighest);
    this.#insertTag = connection.statement(insertTag);
    this.#selectHighestOfIds = connection.rawStatement(selectHighestOfIds);
    this.#selectVersion = connection.rawStatement(selectVersion);
  }

  /** The queue of `connection`, created on first use. */
  static of(connection: SqliteConnection): GroupCommit {
    return connection.extension(EXTENSION, () => new GroupCommit(connection));
  }

  /** Commits what is queued on `connection`, if a queue exists (close must not prepare statements). */
  static flushPending(connection: SqliteConnection): void {
    connection.peekExtension<GroupCommit>(EXTENSION)?.flush();
  }

  /**
   * Queues one validated `Journal.write` call; resolves with its per-write results after the commit,
   * rejects with a typed error when the transaction as a whole failed.
   */
  enqueue(writes: readonly AtomicWrite[], serialization: Serialization): Promise<WriteResults> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ writes, serialization, resolve, reject });
      // setImmediate, not a microtask: writes issued after awaiting I/O in the same turn still join the group.
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued now (also used by close, so no acknowledged call is dropped). */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const calls = this.#queue;
    if (calls.length === 0) return;
    this.#queue = [];
    let results: WriteResults[];
    try {
      results = this.#commit(calls);
    } catch (error) {
      const failure = this.connection.failure(error, 'journal.write');
      for (const call of calls) call.reject(failure);
      return;
    }
    for (let index = 0; index < calls.length; index++) (calls[index] as PendingCall).resolve(results[index] as WriteResults);
  }

  #commit(calls: readonly PendingCall[]): WriteResults[] {
    try {
      return this.#transaction(calls, true);
    } catch (error) {
      if (!(error instanceof GatheredInsertConflict)) throw error;
    }
    return this.#transaction(calls, false);
  }

  /** Stores the group in one transaction; `gather` stores short writes several to an INSERT. */
  #transaction(calls: readonly PendingCall[], gather: boolean): WriteResults[] {
    this.#begin.run();
    try {
      // Highest sequence numbers read and advanced during this transaction (we hold the write
      // lock, so nobody else changes them): one lookup and one upsert per id, not per write.
      const highest: Highest = { stored: new Map(), current: new Map() };
      if (gather) this.#readHighest(calls, highest);
      const gathered: Gathered | undefined = gather ? { rows: [] } : undefined;
      const results = calls.map((call) =>
        call.writes.map((write) => this.#apply(prepareWrite(write, call.serialization), highest, gathered)),
      );
      if (gathered) this.#insertGathered(gathered);
      this.#recordHighest(highest);
      const version = this.#readVersion();
      this.#commitStatement.run();
      this.#remember(highest.current, version);
      return results;
    } catch (error) {
      this.#forget();
      this.connection.rollback();
      throw error;
    }
  }

  /** Upserts the highest sequence number of every id the transaction advanced, in chunks of HIGHEST_CHUNKS ids. */
  #recordHighest(highest: Highest): void {
    const changed: (string | number)[] = [];
    for (const [persistenceId, sequenceNr] of highest.current) {
      if (highest.stored.get(persistenceId) !== sequenceNr) changed.push(persistenceId, sequenceNr);
    }
    let at = 0;
    for (const ids of HIGHEST_CHUNKS) {
      for (; changed.length - at >= ids * 2; at += ids * 2) {
        let statement = this.#upsertHighest[ids];
        if (!statement) {
          statement = this.connection.statement(upsertHighest(ids));
          this.#upsertHighest[ids] = statement;
        }
        statement.run(at === 0 && changed.length === ids * 2 ? changed : changed.slice(at, at + ids * 2));
      }
    }
  }

  /** data_version and total_changes() of the connection, as one comparable value. */
  #readVersion(): string {
    const [dataVersion, changes] = this.#selectVersion.get() as [number, number];
    return `${dataVersion}:${changes}`;
  }

  /** Keeps what a committed group left as the highest of each id it wrote. */
  #remember(current: ReadonlyMap<string, number>, version: string): void {
    // Bounded: a process writing to ever new ids reads the highest of the older ones again.
    if (this.#known.size + current.size > MAX_KNOWN_IDS) this.#known.clear();
    for (const [persistenceId, sequenceNr] of current) this.#known.set(persistenceId, sequenceNr);
    this.#version = version;
  }

  #forget(): void {
    this.#known.clear();
    this.#version = undefined;
  }

  /**
   * The stored highest of every id the group writes (ids without one start at 0): from what
   * our last commit left when nothing else wrote since, else with one query for the rest.
   */
  #readHighest(calls: readonly PendingCall[], highest: Highest): void {
    if (this.#version !== undefined && this.#readVersion() !== this.#version) this.#forget();
    const missing: string[] = [];
    for (const call of calls) {
      for (const write of call.writes) {
        const id = write.persistenceId;
        if (highest.stored.has(id)) continue;
        const known = this.#known.get(id);
        highest.stored.set(id, known ?? 0);
        if (known === undefined) missing.push(id);
      }
    }
    if (missing.length > 0) {
      for (const [id, value] of this.#selectHighestOfIds.all(JSON.stringify(missing)) as [string, number][]) highest.stored.set(id, value);
    }
    for (const [id, value] of highest.stored) highest.current.set(id, value);
  }

  /** Inserts the gathered rows with one statement; a duplicate key aborts the gathered attempt. */
  #insertGathered(gathered: Gathered): void {
    const { rows } = gathered;
    if (rows.length === 0) return;
    try {
      this.#insertChunk(rows, 0, rows.length);
    } catch (error) {
      if (isUniqueViolation(error)) throw new GatheredInsertConflict('a gathered insert hit a duplicate key');
      throw error;
    } finally {
      gathered.rows.length = 0;
    }
  }

  /** Stores one AtomicWrite all-or-nothing; returns its rejection, throws on store failure. */
  #apply(prepared: PreparedWrite, highestById: Highest, gathered?: Gathered): Error | undefined {
    if (prepared.error) return prepared.error;
    const persistenceId = prepared.write.persistenceId;
    const rows = prepared.rows;
    const first = (rows[0] as StoredEvent).sequenceNr;
    let highest = highestById.current.get(persistenceId);
    if (highest === undefined) {
      highest = ((this.#selectHighest.get(persistenceId) as [number] | undefined)?.[0] ?? 0) as number;
      highestById.stored.set(persistenceId, highest);
      highestById.current.set(persistenceId, highest);
    }
    if (first !== highest + 1) return sequenceConflict(persistenceId, highest + 1, first, NAME);
    const last = (rows[rows.length - 1] as StoredEvent).sequenceNr;
    // A one-event write is not gathered: SQLite spends less per row on a prepared one-row
    // INSERT than on one INSERT of many rows (the runtime's usual write is one event).
    if (gathered && rows.length > 1 && rows.length <= MAX_ROWS_PER_INSERT && rows.every((row) => row.tags === undefined)) {
      if (gathered.rows.length + rows.length > MAX_ROWS_PER_GATHERED_INSERT) this.#insertGathered(gathered);
      for (const row of rows) gathered.rows.push(row);
      highestById.current.set(persistenceId, last);
      return undefined;
    }
    // Rows gathered so far go first: one id's events keep their order in the global ordering.
    if (gathered) this.#insertGathered(gathered);
    // A write stored by one INSERT and touching no other table is already all-or-nothing
    // (SQLite undoes a failed statement whole), so the savepoint is only needed for long or
    // tagged writes. The common case costs one statement per write.
    const guarded = rows.length > MAX_ROWS_PER_INSERT || rows.some((row) => row.tags !== undefined);
    if (guarded) this.#savepoint.run();
    try {
      for (let at = 0; at < rows.length; at += MAX_ROWS_PER_INSERT) this.#insertChunk(rows, at, MAX_ROWS_PER_INSERT);
      if (guarded) this.#release.run();
      highestById.current.set(persistenceId, last);
      return undefined;
    } catch (error) {
      const undone = guarded ? this.#undoWrite() : this.connection.db.inTransaction;
      if (!undone || !isUniqueViolation(error)) throw error;
      // journal_highest lagged behind the events (e.g. rows written by hand): report what is stored.
      const stored = ((this.connection.rawStatement(selectMaxStored).get(persistenceId) as [number | null])[0] ?? 0) as number;
      return sequenceConflict(persistenceId, Math.max(highest, stored) + 1, first, NAME);
    }
  }

  /** Inserts up to `most` rows starting at `at` with one statement, then their tags. */
  #insertChunk(rows: readonly StoredEvent[], at: number, most: number): void {
    const count = Math.min(most, rows.length - at);
    let bare = true;
    for (let index = 0; index < count && bare; index++) {
      const row = rows[at + index] as StoredEvent;
      bare = row.manifest === undefined && row.tags === undefined && row.metadata === undefined;
    }
    if (bare) {
      this.#insertBare(rows, at, count);
      return;
    }
    const params: unknown[] = new Array(count * 8);
    let tagged = false;
    for (let index = 0; index < count; index++) {
      const row = rows[at + index] as StoredEvent;
      const base = index * 8;
      params[base] = row.persistenceId;
      params[base + 1] = row.sequenceNr;
      params[base + 2] = row.timestamp;
      params[base + 3] = row.manifest ?? null;
      params[base + 4] = row.writerId ?? null;
      params[base + 5] = row.tags === undefined ? null : JSON.stringify(row.tags);
      params[base + 6] = row.payload;
      params[base + 7] = row.metadata ?? null;
      tagged ||= row.tags !== undefined;
    }
    let statement = this.#insertEvents[count];
    if (!statement) {
      statement = this.connection.statement(insertEvents(count));
      this.#insertEvents[count] = statement;
    }
    // Spread, not the array: better-sqlite3 reads an array argument element by element through
    // V8's generic property lookup, which cost more than binding the values themselves.
    const { lastInsertRowid } = statement.run(...params);
    if (!tagged) return;
    // One INSERT assigns consecutive orderings (AUTOINCREMENT, and we hold the write lock).
    const firstOrdering = Number(lastInsertRowid) - count + 1;
    for (let index = 0; index < count; index++) {
      const tags = (rows[at + index] as StoredEvent).tags;
      // A Set: a tag repeated on one event must not look like a key conflict.
      if (tags !== undefined) for (const tag of new Set(tags)) this.#insertTag.run(tag, firstOrdering + index);
    }
  }

  /** {@link #insertChunk} of rows without manifest, tags or metadata: fewer columns to bind, those stored NULL. */
  #insertBare(rows: readonly StoredEvent[], at: number, count: number): void {
    const params: unknown[] = new Array(count * 5);
    for (let index = 0; index < count; index++) {
      const row = rows[at + index] as StoredEvent;
      const base = index * 5;
      params[base] = row.persistenceId;
      params[base + 1] = row.sequenceNr;
      params[base + 2] = row.timestamp;
      params[base + 3] = row.writerId ?? null;
      params[base + 4] = row.payload;
    }
    let statement = this.#insertBareEvents[count];
    if (!statement) {
      statement = this.connection.statement(insertBareEvents(count));
      this.#insertBareEvents[count] = statement;
    }
    statement.run(...params);
  }

  /** Rolls back to the write's savepoint; false when SQLite already rolled back the whole transaction (e.g. SQLITE_FULL). */
  #undoWrite(): boolean {
    if (!this.connection.db.inTransaction) return false;
    try {
      this.#rollbackTo.run();
      this.#release.run();
      return true;
    } catch {
      return false;
    }
  }
}
