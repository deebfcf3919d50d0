/**
 * Helpers every durable state store uses.
 * @module
 */
import { ConcurrencyError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { validateInteger, validateOptionalString } from '../core/validation.js';

/** The error for a change whose revision is not current + 1. */
export function revisionConflict(
  persistenceId: string,
  current: number,
  found: number,
  operation: 'upsert' | 'delete',
  source?: string,
): ConcurrencyError {
  return new ConcurrencyError(
    `${operation} of ${JSON.stringify(persistenceId)}: expected revision ${current + 1} (current ${current} + 1), found ${found}`,
    { persistenceId, expected: current + 1, actual: found, source },
  );
}

/** Checks upsert/delete arguments and returns the revision. */
export function validateStateChange(persistenceId: unknown, revision: unknown, tag?: unknown): number {
  validatePersistenceId(persistenceId);
  validateOptionalString(tag, 'tag', { persistenceId });
  return validateInteger(revision, 'revision', { persistenceId }, { min: 1 });
}
