/**
 * Errors only the entity runtime raises (their codes live with the others in `ErrorCodes`).
 * @module
 */
import { ErrorCodes, MementoError, type MementoErrorDetails } from '../../core/errors.js';

/** A command arrived while the entity's stash was full; only that caller is refused. */
export class StashOverflowError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.stashOverflow, message, details);
  }
}

/** The command handler returned `Effect.unhandled()` for this command. */
export class UnhandledCommandError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.unhandledCommand, message, details);
  }
}

/** The journal failed (not rejected) a write: the entity was stopped and will recover on next use. */
export class PersistFailedError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.persistFailed, message, details);
  }
}

/** The entity stopped (e.g. an event handler threw) before it could answer. */
export class EntityStoppedError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.entityStopped, message, details);
  }
}

/** A command was sent after `persistence.close()`. */
export class PersistenceClosedError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.persistenceClosed, message, details);
  }
}

/** `deliver` was called while `maxUnconfirmedMessages` deliveries were unconfirmed; nothing was delivered. */
export class MaxUnconfirmedMessagesExceededError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.maxUnconfirmedMessagesExceeded, message, details);
  }
}

/** The journal or snapshot store stopped answering during recovery; the next command tries again. */
export class RecoveryTimedOutError extends MementoError {
  constructor(message: string, details: MementoErrorDetails = {}) {
    super(ErrorCodes.recoveryTimedOut, message, details);
  }
}

/** Normalises anything thrown into an Error, so callers always get a stack and message. */
export function asError(cause: unknown): Error {
  return cause instanceof Error ? cause : new Error(String(cause));
}
