/**
 * Error classes with stable codes. Every message says which persistence id, what was
 * expected and what was found; those are also fields so callers need not parse text.
 * @module
 */

/** Stable codes of every error Memento throws; match on these, not on classes. */
export const ErrorCodes = {
  concurrency: 'MEMENTO_CONCURRENCY',
  serialization: 'MEMENTO_SERIALIZATION',
  corruptSnapshot: 'MEMENTO_CORRUPT_SNAPSHOT',
  corruptData: 'MEMENTO_CORRUPT_DATA',
  storeUnavailable: 'MEMENTO_STORE_UNAVAILABLE',
  storeClosed: 'MEMENTO_STORE_CLOSED',
  invalidPersistenceId: 'MEMENTO_INVALID_PERSISTENCE_ID',
  invalidArgument: 'MEMENTO_INVALID_ARGUMENT',
  recovery: 'MEMENTO_RECOVERY',
  schemaVersion: 'MEMENTO_SCHEMA_VERSION',
  invalidState: 'MEMENTO_INVALID_STATE',
  stashOverflow: 'MEMENTO_STASH_OVERFLOW',
  unhandledCommand: 'MEMENTO_UNHANDLED_COMMAND',
  entityStopped: 'MEMENTO_ENTITY_STOPPED',
  persistFailed: 'MEMENTO_PERSIST_FAILED',
  persistenceClosed: 'MEMENTO_PERSISTENCE_CLOSED',
  maxUnconfirmedMessagesExceeded: 'MEMENTO_MAX_UNCONFIRMED_MESSAGES_EXCEEDED',
  peerDependency: 'MEMENTO_PEER_DEPENDENCY',
  permissionDenied: 'MEMENTO_PERMISSION_DENIED',
  recoveryTimedOut: 'MEMENTO_RECOVERY_TIMED_OUT',
  snapshotTooLarge: 'MEMENTO_SNAPSHOT_TOO_LARGE',
  circuitOpen: 'MEMENTO_CIRCUIT_OPEN',
} as const;

/** One of the values of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Fields every Memento error may carry besides its message. */
export interface MementoErrorDetails {
  persistenceId?: string | undefined;
  expected?: unknown;
  actual?: unknown;
  cause?: unknown;
  /** The plugin or component that raised the error, e.g. `sqlite`. */
  source?: string | undefined;
}

/** Base class of every error Memento throws. */
export class MementoError extends Error {
  readonly code: ErrorCode;
  readonly persistenceId: string | undefined;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly source: string | undefined;

  constructor(code: ErrorCode, message: string, details: MementoErrorDetails = {}) {
    const prefix = details.source ? `[memento] [${details.source}] ` : '[memento] ';
    super(prefix + message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.persistenceId = details.persistenceId;
    this.expected = details.expected;
    this.actual = details.actual;
    this.source = details.source;
  }
}

/** A write's expected sequence number or revision did not match the stored one. */
export class ConcurrencyError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.concurrency, message, details);
  }
}

/** A value could not be turned into bytes, or bytes back into a value. */
export class SerializationError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.serialization, message, details);
  }
}

/** Stored bytes failed their checksum, decryption or decoding. */
export class CorruptDataError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.corruptData, message, details);
  }
}

/** A stored snapshot could not be read back (damaged bytes, wrong key, unknown serializer). */
export class CorruptSnapshotError extends MementoError {
  readonly sequenceNr: number | undefined;
  constructor(message: string, details: MementoErrorDetails & { sequenceNr?: number } = {}) {
    super(ErrorCodes.corruptSnapshot, message, details);
    this.sequenceNr = details.sequenceNr;
  }
}

/** The backing store could not be reached or failed; the operation may be retried. */
export class StoreUnavailableError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.storeUnavailable, message, details);
  }
}

/** A store was used after `close()`. */
export class StoreClosedError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.storeClosed, message, details);
  }
}

/** A persistence id broke the rules of {@link validatePersistenceId}. */
export class InvalidPersistenceIdError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.invalidPersistenceId, message, details);
  }
}

/** An argument of a public function had the wrong type, range or shape. */
export class InvalidArgumentError extends MementoError {
  /** Name of the offending argument, e.g. `criteria.minSequenceNr`. */
  readonly argument: string;
  constructor(argument: string, message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.invalidArgument, message, details);
    this.argument = argument;
  }
}

/** An entity could not be recovered to a correct state. */
export class RecoveryError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.recovery, message, details);
  }
}

/** A snapshot's encoded size is over the limit (`maxSnapshotBytes`); nothing was stored. */
export class SnapshotTooLargeError extends MementoError {
  /** Encoded size of the refused snapshot, in bytes. */
  readonly size: number;
  /** The limit it went over, in bytes. */
  readonly limit: number;

  constructor(message: string, size: number, limit: number, details: MementoErrorDetails = {}) {
    super(ErrorCodes.snapshotTooLarge, message, { expected: `<= ${limit} bytes`, actual: `${size} bytes`, ...details });
    this.size = size;
    this.limit = limit;
  }
}

/** A database was written by a newer (or unknown) schema version of Memento. */
export class SchemaVersionError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.schemaVersion, message, details);
  }
}

/** An object was used in the wrong lifecycle state (e.g. a machine run before start or after stop). */
export class InvalidStateError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.invalidState, message, details);
  }
}

/**
 * An optional peer dependency a feature needs (a driver, MessagePack, the AWS SDK) is not
 * installed or failed to load. Not retryable: the message says what to install.
 */
export class PeerDependencyError extends MementoError {
  /** The npm package that is missing or broken, e.g. `better-sqlite3`. */
  readonly dependency: string;
  constructor(dependency: string, message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.peerDependency, message, details);
    this.dependency = dependency;
  }
}

/**
 * The store's server refused an operation for lack of a privilege (a role without CREATE,
 * without a grant on a table or sequence). Not retryable: grant `privilege` or use a role
 * that has it.
 */
export class PermissionDeniedError extends MementoError {
  /** The privilege that is missing, as the server names it, e.g. `CREATE on database test`. */
  readonly privilege: string;
  constructor(privilege: string, message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.permissionDenied, message, details);
    this.privilege = privilege;
  }
}

/**
 * A circuit breaker around a store is open after repeated failures: the call failed at once,
 * without reaching the store. `retryAfterMs` says when the breaker lets a trial call through.
 */
export class CircuitOpenError extends MementoError {
  /** Milliseconds until the breaker half-opens. */
  readonly retryAfterMs: number;

  constructor(message: string, details: MementoErrorDetails & { retryAfterMs: number }) {
    super(ErrorCodes.circuitOpen, message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * True when `error` carries one of Memento's codes (optionally a given one). Checks the
 * shape, not the class, so it works across duplicate installs of the package.
 */
export function isMementoError(error: unknown, code?: ErrorCode): error is MementoError {
  if (typeof error !== 'object' || error === null) return false;
  const found = (error as { code?: unknown }).code;
  if (typeof found !== 'string' || !found.startsWith('MEMENTO_')) return false;
  return code === undefined || found === code;
}

/** True for a {@link ConcurrencyError}, from any copy of the package. */
export function isConcurrencyError(error: unknown): error is ConcurrencyError {
  return isMementoError(error, ErrorCodes.concurrency);
}

/** True for a {@link StoreUnavailableError}, from any copy of the package. */
export function isStoreUnavailableError(error: unknown): error is StoreUnavailableError {
  return isMementoError(error, ErrorCodes.storeUnavailable);
}

/** Renders a value for an error message: short, quoted when a string, never huge. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `array(${value.length})`;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `${name} instance` : 'object';
}
