/**
 * One connection per database file per process, shared by every store on that file:
 * better-sqlite3 is synchronous, so one connection serialises all work without locks,
 * and stores on one file never wait on each other's busy timeout.
 * @module
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, StoreUnavailableError } from '../core/errors.js';
import { loadDriver, type SqliteDatabase, type SqliteStatement } from './client.js';
import { storeFailure } from './errors.js';
import { migrate, migrations } from './migrations/index.js';
import { type ConnectionSettings, NAME, type SqliteTarget } from './options.js';

/** A database connection with its statement cache; stores reach SQLite only through it. */
export class SqliteConnection {
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #extensions = new Map<string, unknown>();
  /** Stores currently using the connection; closed (when owned) at zero. */
  refs = 0;

  constructor(
    /** The better-sqlite3 Database. */
    readonly db: SqliteDatabase,
    /** The file name, for messages. */
    readonly file: string,
    /** Settings applied on open; other stores on the file must agree. */
    readonly settings: ConnectionSettings,
    /** False for a Database the caller opened: the caller closes it. */
    readonly owned: boolean,
    /** Registry key, or undefined when the connection is not shareable by path. */
    readonly key: string | undefined,
  ) {}

  /** A prepared statement, compiled once per connection. */
  statement(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** A prepared statement returning rows as arrays (cheaper than objects on hot paths). */
  rawStatement(sql: string): SqliteStatement {
    const key = `raw:${sql}`;
    let statement = this.#statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql).raw(true);
      this.#statements.set(key, statement);
    }
    return statement;
  }

  /** Per-connection state a store keeps once, e.g. the journal's group-commit queue. */
  extension<T>(name: string, create: () => T): T {
    let value = this.#extensions.get(name) as T | undefined;
    if (value === undefined) {
      value = create();
      this.#extensions.set(name, value);
    }
    return value;
  }

  /** The per-connection state `name`, if some store created it. */
  peekExtension<T>(name: string): T | undefined {
    return this.#extensions.get(name) as T | undefined;
  }

  /** Runs `work` in one `BEGIN IMMEDIATE` transaction: takes the write lock up front, so no deadlock on upgrade. */
  immediate<T>(work: () => T): T {
    this.statement('BEGIN IMMEDIATE').run();
    try {
      const result = work();
      this.statement('COMMIT').run();
      return result;
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  /** Rolls back the open transaction, if SQLite has not already done so. */
  rollback(): void {
    if (!this.db.inTransaction) return;
    try {
      this.statement('ROLLBACK').run();
    } catch {
      // The original failure matters more; SQLite rolls back on its own after I/O errors.
    }
  }

  /** Maps a failure to a typed error naming this file. */
  failure(error: unknown, operation: string, persistenceId?: string): Error {
    return storeFailure(error, { file: this.file, operation, persistenceId, busyTimeoutMs: this.settings.busyTimeoutMs });
  }
}

const byPath = new Map<string, SqliteConnection>();
const byDatabase = new WeakMap<SqliteDatabase, SqliteConnection>();

const isAnonymous = (file: string) => file === ':memory:' || file === '';

/**
 * The connection for a target, opened, configured and migrated on first use. Several
 * stores on one path (or one Database) share it; each must {@link releaseConnection}.
 */
export function acquireConnection(target: SqliteTarget, settings: ConnectionSettings): SqliteConnection {
  const key = typeof target === 'string' && !isAnonymous(target) ? resolve(target) : undefined;
  const existing = key !== undefined ? byPath.get(key) : typeof target === 'string' ? undefined : byDatabase.get(target);
  const connection = existing ?? open(target, settings, key);
  if (existing) assertSameSettings(existing, settings);
  connection.refs++;
  return connection;
}

/** Gives a connection back; the last store to release an owned connection closes it. */
export function releaseConnection(connection: SqliteConnection): void {
  connection.refs--;
  if (connection.refs > 0) return;
  if (connection.key !== undefined) byPath.delete(connection.key);
  if (!connection.owned) {
    byDatabase.delete(connection.db);
    return;
  }
  if (connection.db.open) connection.db.close();
}

function open(target: SqliteTarget, settings: ConnectionSettings, key: string | undefined): SqliteConnection {
  const owned = typeof target === 'string';
  const file = typeof target === 'string' ? (key ?? target) : target.name;
  let db: SqliteDatabase | undefined;
  try {
    if (typeof target === 'string') {
      const Database = loadDriver();
      if (key !== undefined && !settings.readonly) createDirectory(key);
      db = new Database(target, { readonly: settings.readonly, fileMustExist: settings.readonly, timeout: settings.busyTimeoutMs });
    } else {
      db = target;
    }
    const readonly = db.readonly;
    db.exec(`PRAGMA busy_timeout = ${settings.busyTimeoutMs}`);
    // Also the first read of the file: a file that is not a database fails here.
    if (!readonly && !db.memory) db.prepare('PRAGMA journal_mode = WAL').get();
    else db.prepare('PRAGMA journal_mode').get();
    db.exec(`PRAGMA synchronous = ${settings.synchronous}`);
    // 0 is SQLite's default on a file we open; on a caller's Database it keeps the caller's choice.
    if (settings.mmapBytes > 0) db.exec(`PRAGMA mmap_size = ${settings.mmapBytes}`);
    migrate(db, migrations, file, readonly);
  } catch (error) {
    if (owned && db?.open) db.close();
    throw storeFailure(error, { file, operation: 'open', busyTimeoutMs: settings.busyTimeoutMs });
  }
  const connection = new SqliteConnection(db, file, { ...settings, readonly: db.readonly }, owned, key);
  if (key !== undefined) byPath.set(key, connection);
  else if (typeof target !== 'string') byDatabase.set(target, connection);
  return connection;
}

/**
 * Creates the directory of a database file that is about to be created, as `mkdir -p`
 * does: a path like `./data/app.db` in a fresh checkout should just work. Read-only opens
 * never create anything (the file must exist).
 */
function createDirectory(file: string): void {
  const directory = dirname(file);
  try {
    makeDirectories(directory);
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? String(cause);
    throw new StoreUnavailableError(
      `open on ${JSON.stringify(file)}: cannot create the directory ${JSON.stringify(directory)} (${code}: ${(cause as Error).message})`,
      { source: NAME, cause, expected: 'a directory that exists or can be created', actual: code },
    );
  }
}

// Not mkdirSync's `recursive`: it never returns for a path under /proc (it keeps retrying
// a parent that exists but refuses children), and a store must fail, not hang.
function makeDirectories(directory: string): void {
  if (existsSync(directory)) {
    if (!statSync(directory).isDirectory()) throw Object.assign(new Error(`${directory} is not a directory`), { code: 'ENOTDIR' });
    return;
  }
  const parent = dirname(directory);
  if (parent !== directory) makeDirectories(parent);
  mkdirSync(directory);
}

function assertSameSettings(connection: SqliteConnection, settings: ConnectionSettings): void {
  for (const name of ['synchronous', 'busyTimeoutMs', 'readonly', 'mmapBytes'] as const) {
    const ours = connection.settings[name];
    if (name === 'readonly' && !connection.owned) continue;
    if (settings[name] !== ours) {
      throw new InvalidArgumentError(
        `options.${name}`,
        `options.${name}: expected ${JSON.stringify(ours)} like the store already open on ${JSON.stringify(connection.file)} (stores on one file share one connection), found ${JSON.stringify(settings[name])}`,
        { source: NAME, expected: ours, actual: settings[name] },
      );
    }
  }
}
