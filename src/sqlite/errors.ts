/**
 * Turns better-sqlite3 failures into Memento's typed errors, naming the file and saying
 * what was expected, so "SQLITE_BUSY" never reaches a user bare.
 * @module
 */
import { CorruptDataError, isMementoError, type MementoError, StoreUnavailableError } from '../core/errors.js';
import { NAME } from './options.js';

/** Where a failure happened, for the message. */
export interface FailureContext {
  /** The database file (or `:memory:`). */
  readonly file: string;
  /** What was being done, e.g. `journal.write`. */
  readonly operation: string;
  /** The entity concerned, when one is. */
  readonly persistenceId?: string | undefined;
  /** The connection's busy timeout, quoted when the lock was not obtained. */
  readonly busyTimeoutMs?: number | undefined;
}

/** The SQLite result code of an error (e.g. `SQLITE_BUSY_SNAPSHOT`), if it has one. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for a UNIQUE or PRIMARY KEY violation: another writer stored the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Maps a failure of the database as a whole to a typed error. Memento errors pass through;
 * errors that are neither SQLite's nor a closed connection's are bugs and pass through too.
 */
export function storeFailure(error: unknown, context: FailureContext): Error {
  if (isMementoError(error)) return error as MementoError;
  const code = sqliteCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  const where = `${context.operation} on ${JSON.stringify(context.file)}`;
  const details = { source: NAME, persistenceId: context.persistenceId, cause: error };
  const unavailable = (problem: string, expected: string) =>
    new StoreUnavailableError(`${where}: ${problem} (${code}: ${reason})`, { ...details, expected, actual: code ?? reason });
  if (code === undefined) {
    if (/connection is not open/i.test(reason)) {
      return new StoreUnavailableError(`${where}: the database connection was closed by its owner`, {
        ...details,
        expected: 'an open connection',
        actual: 'closed',
      });
    }
    if (/cannot open database/i.test(reason)) {
      // better-sqlite3's own check before SQLite is called, e.g. "because the directory does not exist".
      return new StoreUnavailableError(`${where}: ${reason}`, { ...details, expected: 'an openable file', actual: reason });
    }
    return error instanceof Error ? error : new Error(reason);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    const waited = context.busyTimeoutMs === undefined ? '' : ` of ${context.busyTimeoutMs} ms`;
    return unavailable(
      `the database is locked by another connection beyond the busy timeout${waited}`,
      `the lock within busyTimeoutMs${waited ? ` (${context.busyTimeoutMs} ms)` : ''}`,
    );
  }
  if (code === 'SQLITE_FULL') return unavailable('the disk is full (or the database reached max_page_count)', 'free space');
  if (code.startsWith('SQLITE_READONLY'))
    return unavailable('the database is read-only (opened read-only, or no write permission)', 'a writable database');
  if (code.startsWith('SQLITE_CANTOPEN'))
    return unavailable('cannot open the database file (missing directory, no permission, or not a regular file)', 'an openable file');
  if (code.startsWith('SQLITE_IOERR')) return unavailable('the disk reported an I/O error', 'successful I/O');
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    const problem = code === 'SQLITE_NOTADB' ? 'the file is not an SQLite database' : 'the database file is corrupt';
    return new CorruptDataError(`${where}: ${problem} (${code}: ${reason})`, {
      ...details,
      expected: 'an intact SQLite database',
      actual: code,
    });
  }
  return unavailable('the database failed', 'success');
}
