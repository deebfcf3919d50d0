/**
 * The small part of better-sqlite3 this plugin uses, typed here so the package does not
 * depend on the driver's types, and the lazy loader for the driver itself.
 * @module
 */
import { requireOptionalPeer } from '../core/optional-peer.js';

/** Result of running a statement that changes rows. */
export interface SqliteRunResult {
  /** Rows changed. */
  readonly changes: number;
  /** Rowid of the last inserted row. */
  readonly lastInsertRowid: number | bigint;
}

/** A prepared statement, as better-sqlite3 exposes it. */
export interface SqliteStatement {
  /** Executes a statement that changes rows. */
  run(...params: unknown[]): SqliteRunResult;
  /** The first row, or undefined. */
  get(...params: unknown[]): unknown;
  /** Every row. */
  all(...params: unknown[]): unknown[];
  /** Rows as arrays instead of objects: cheaper to build and read. */
  raw(toggle?: boolean): this;
}

/** An open database connection, as better-sqlite3 exposes it (any version >= 11). */
export interface SqliteDatabase {
  /** The file name given when opening (`:memory:` for an in-memory database). */
  readonly name: string;
  /** False once closed. */
  readonly open: boolean;
  /** True inside BEGIN ... COMMIT (SQLite may end a transaction itself after some errors). */
  readonly inTransaction: boolean;
  /** True when opened read-only. */
  readonly readonly: boolean;
  /** True for an in-memory database (WAL does not apply). */
  readonly memory: boolean;
  /** Compiles one statement. */
  prepare(sql: string): SqliteStatement;
  /** Runs one or more statements without results. */
  exec(sql: string): unknown;
  /** Closes the connection. */
  close(): unknown;
}

/** Options better-sqlite3's constructor accepts that this plugin uses. */
export interface SqliteOpenOptions {
  /** Open read-only. */
  readonly readonly?: boolean;
  /** Fail instead of creating a missing file. */
  readonly fileMustExist?: boolean;
  /** Busy timeout in milliseconds. */
  readonly timeout?: number;
}

/** better-sqlite3's default export: the Database constructor. */
export type SqliteDriver = new (filename: string, options?: SqliteOpenOptions) => SqliteDatabase;

let driver: SqliteDriver | undefined;

/**
 * Loads better-sqlite3 on first use: it is an optional peer dependency, so importing
 * `memento-es/sqlite` must not fail for users who only pass an open Database.
 */
export function loadDriver(): SqliteDriver {
  driver ??= requireOptionalPeer<SqliteDriver>({
    name: 'better-sqlite3',
    source: 'sqlite',
    alternative: 'or pass an open Database (docs/sqlite.md says how to build it from source)',
  });
  return driver;
}

/** True when `value` looks like an open-able better-sqlite3 Database (duck-typed, not instanceof). */
export function isSqliteDatabase(value: unknown): value is SqliteDatabase {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.prepare === 'function' && typeof candidate.exec === 'function' && typeof candidate.close === 'function';
}
