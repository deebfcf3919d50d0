/**
 * Options of the SQLite stores and their eager checks.
 * @module
 */
import { invalidArgument, validateInteger } from '../core/validation.js';
import type { SnapshotSizeOptions } from '../spi/snapshot-support.js';
import type { StoreOptions } from '../spi/store-options.js';
import { isSqliteDatabase, type SqliteDatabase } from './client.js';

/** The plugin name used in errors, logs and hooks. */
export const NAME = 'sqlite';

/** Where a store keeps its data: a file path, or a better-sqlite3 Database the caller opened. */
export type SqliteTarget = string | SqliteDatabase;

/** How much a commit waits for the disk; see docs/sqlite.md for what each loses on power loss. */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Options shared by the three SQLite stores. */
export interface SqliteOptions extends StoreOptions {
  /**
   * `FULL`: every commit is on disk when the write resolves. `NORMAL`: in WAL mode the
   * last commits may roll back on power loss (never on a process crash); the file stays
   * consistent either way. @default 'FULL'
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * How long to wait for another connection's write lock before failing with
   * StoreUnavailableError. better-sqlite3 is synchronous: the wait blocks the event loop.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
  /** Open the file read-only: no migrations, every change fails. Ignored for an open Database. @default false */
  readonly readonly?: boolean;
  /** `PRAGMA mmap_size`: bytes of the file read through memory mapping; faster large reads, but an I/O error then kills the process (docs/sqlite.md). @default 0 (off) */
  readonly mmapBytes?: number;
}

/** Options of {@link SqliteJournal}. */
export interface SqliteJournalOptions extends SqliteOptions {
  /** Events fetched per query during replay; bounds memory, not correctness. @default 1000 */
  readonly replayPageSize?: number;
}

/** Options of {@link SqliteSnapshotStore}. */
export interface SqliteSnapshotStoreOptions extends SqliteOptions, SnapshotSizeOptions {
  /** Snapshot metadata rows fetched per query by `list`. @default 1000 */
  readonly listPageSize?: number;
}

/** Options of {@link SqliteDurableStateStore}. */
export type SqliteDurableStateStoreOptions = SqliteOptions;

/** Connection settings after defaults; stores sharing one connection must agree on them. */
export interface ConnectionSettings {
  /** `PRAGMA synchronous`. */
  readonly synchronous: SqliteSynchronous;
  /** `PRAGMA busy_timeout`. */
  readonly busyTimeoutMs: number;
  /** Opened read-only. */
  readonly readonly: boolean;
  /** `PRAGMA mmap_size`, set only when above 0. */
  readonly mmapBytes: number;
}

/** Checks the target and the shared options, returning the connection settings. */
export function checkOptions(target: unknown, options: SqliteOptions | undefined): ConnectionSettings {
  const context = { source: NAME };
  if (typeof target === 'string') {
    if (target.length === 0) invalidArgument('database', 'a file path, ":memory:" or an open better-sqlite3 Database', target, context);
  } else if (!isSqliteDatabase(target)) {
    invalidArgument('database', 'a file path, ":memory:" or an open better-sqlite3 Database', target, context);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) invalidArgument('options', 'an object', options, context);
  const synchronous = options?.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
    invalidArgument('options.synchronous', '"FULL" or "NORMAL"', synchronous, context);
  const busyTimeoutMs = validateInteger(options?.busyTimeoutMs ?? 5000, 'options.busyTimeoutMs', context, { min: 0 });
  const readonly = options?.readonly ?? false;
  if (typeof readonly !== 'boolean') invalidArgument('options.readonly', 'a boolean', readonly, context);
  const mmapBytes = validateInteger(options?.mmapBytes ?? 0, 'options.mmapBytes', context, { min: 0 });
  return { synchronous, busyTimeoutMs, readonly, mmapBytes };
}

/** Checks a page size option (at least 1). */
export function checkPageSize(value: unknown, argument: string, fallback: number): number {
  return validateInteger(value ?? fallback, argument, { source: NAME }, { min: 1 });
}
