/**
 * How PostgreSQL and network failures become Memento errors, and which of them a retry or
 * an outcome check can deal with.
 * @module
 */
import { isMementoError, PermissionDeniedError, SchemaVersionError, StoreUnavailableError } from '../core/errors.js';

/** Plugin name used as `source` in errors and hooks. */
export const NAME = 'postgres';

/** SQLSTATE of the unique violation a concurrent writer's duplicate key raises. */
export const UNIQUE_VIOLATION = '23505';

interface PgErrorShape {
  readonly code?: unknown;
  readonly severity?: unknown;
  readonly message?: unknown;
}

const sqlState = (error: unknown): string | undefined => {
  const code = (error as PgErrorShape | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** The SQLSTATE of a server error, if `error` is one. */
export function pgErrorCode(error: unknown): string | undefined {
  return sqlState(error);
}

// Rolled back by the server for reasons unrelated to the statement: try again.
const RETRYABLE_STATES = new Set(['40001', '40P01', '55P03', '57014', '53300', '57P03', '53400']);

/**
 * True when the connection itself failed (reset, refused, terminated, server shutting
 * down), as opposed to the server rejecting the statement.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = sqlState(error);
  if (code !== undefined) return code.startsWith('08') || code === '57P01' || code === '57P02';
  const nodeCode = (error as PgErrorShape).code;
  if (typeof nodeCode === 'string' && /^E[A-Z]+$/.test(nodeCode)) return true;
  const message = String((error as PgErrorShape).message ?? '');
  return /connection|terminated|timeout|timed out|socket|not queryable|ended/i.test(message);
}

/** True when retrying the same statement may succeed and cannot do harm for a read. */
export function isTransient(error: unknown): boolean {
  if (isMementoError(error)) return false;
  const code = sqlState(error);
  return (code !== undefined && RETRYABLE_STATES.has(code)) || isConnectionFailure(error);
}

/**
 * True when the server answered the statement with an ERROR, which means its transaction
 * was rolled back: nothing of it was committed. FATAL errors (a terminated backend) and
 * lost connections do not say that: the commit may have happened before the failure.
 */
export function isDefiniteRollback(error: unknown): boolean {
  const code = sqlState(error);
  if (code === undefined) return false;
  return (error as PgErrorShape).severity === 'ERROR' && !isConnectionFailure(error);
}

/** True for a write the server rolled back for a reason unrelated to it (deadlock, serialization): sending it again is safe. */
export const isTransientRollback = (error: unknown): boolean => isDefiniteRollback(error) && isTransient(error);

/** True when a table or schema is missing: `migrate()` was not run. */
export function isMissingSchema(error: unknown): boolean {
  const code = sqlState(error);
  return code === '42P01' || code === '3F000';
}

/** SQLSTATE of "permission denied" (insufficient_privilege). */
export const INSUFFICIENT_PRIVILEGE = '42501';
/** invalid_sql_statement_name: a named statement the connection does not hold (see preparedStatements). */
const UNKNOWN_PREPARED_STATEMENT = '26000';

// What each kind of object needs, for the objects the server names in "permission denied for <kind> <name>".
const PRIVILEGE_OF_KIND: Readonly<Record<string, string>> = {
  database: 'CREATE',
  schema: 'USAGE',
  table: 'SELECT, INSERT, UPDATE, DELETE',
  sequence: 'USAGE, SELECT',
};

/** The privilege a "permission denied" error names, e.g. `CREATE on database test`. */
export function missingPrivilege(error: unknown, operation: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const named = /permission denied for (database|schema|table|sequence|relation) (.+)$/i.exec(message);
  if (!named) return `a privilege the server did not name (${message})`;
  const kind = named[1]!.toLowerCase() === 'relation' ? 'table' : named[1]!.toLowerCase();
  // Creating objects in a schema needs CREATE on it; using them needs USAGE.
  const privilege = kind === 'schema' && operation === 'migrate' ? 'CREATE' : (PRIVILEGE_OF_KIND[kind] ?? 'access');
  return `${privilege} on ${kind} ${named[2]}`;
}

// The server setting behind a SQLSTATE, so a message says what to configure.
const SETTING_OF_STATE: Readonly<Record<string, string>> = {
  '25P03': 'idle_in_transaction_session_timeout',
  '57P05': 'idle_session_timeout',
  '57014': 'statement_timeout or a cancel request',
  '55P03': 'lock_timeout',
  '57P01': 'server shutting down or pg_terminate_backend',
};

/** Describes a failure for messages: its text, SQLSTATE and, when known, the server setting behind it. */
export function describeFailure(error: unknown): string {
  const state = sqlState(error);
  const code = state ?? (error as PgErrorShape | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (state !== undefined && SETTING_OF_STATE[state]) return `${message} (${state}, ${SETTING_OF_STATE[state]})`;
  return typeof code === 'string' ? `${message} (${code})` : message;
}

/**
 * A statement failed on a connection the server had already ended (`pg` then only says
 * "not queryable"): the failure, explained by what the server said when it ended it.
 */
export function explainLostConnection(error: unknown, lost: Error): Error {
  if (error === lost) return lost;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}; the server had ended the connection: ${describeFailure(lost)}`, { cause: error });
}

/**
 * Wraps a failure of `operation` into a Memento error: a missing table into
 * {@link SchemaVersionError}, a missing privilege into {@link PermissionDeniedError},
 * everything else into {@link StoreUnavailableError}.
 * Memento errors pass through unchanged.
 */
export function storeFailure(error: unknown, operation: string, persistenceId?: string, detail = ''): Error {
  if (isMementoError(error)) return error;
  const who = persistenceId === undefined ? '' : ` of ${JSON.stringify(persistenceId)}`;
  if (isMissingSchema(error)) {
    return new SchemaVersionError(`${operation}${who}: expected the Memento tables, found them missing; run migrate() first`, {
      persistenceId,
      expected: 'migrated schema',
      actual: describeFailure(error),
      cause: error,
      source: NAME,
    });
  }
  if (sqlState(error) === INSUFFICIENT_PRIVILEGE) {
    const privilege = missingPrivilege(error, operation);
    return new PermissionDeniedError(
      privilege,
      `${operation}${who}: PostgreSQL refused: the role lacks ${privilege}; grant it (see "Least-privilege roles" in docs/postgres.md)`,
      { persistenceId, expected: privilege, actual: describeFailure(error), cause: error, source: NAME },
    );
  }
  if (sqlState(error) === UNKNOWN_PREPARED_STATEMENT) {
    return new StoreUnavailableError(
      `${operation}${who}: PostgreSQL failed: ${describeFailure(error)}: the server connection does not hold a statement this connection prepared, as behind PgBouncer before 1.21 in transaction pooling; turn preparedStatements off there, or set PgBouncer's max_prepared_statements above 0 (see "Prepared statements" in docs/postgres.md)`,
      {
        persistenceId,
        expected: 'a connection that keeps its prepared statements',
        actual: describeFailure(error),
        cause: error,
        source: NAME,
      },
    );
  }
  return new StoreUnavailableError(`${operation}${who}: PostgreSQL failed: ${describeFailure(error)}${detail}`, {
    persistenceId,
    expected: 'a reachable PostgreSQL server',
    actual: describeFailure(error),
    cause: error,
    source: NAME,
  });
}
