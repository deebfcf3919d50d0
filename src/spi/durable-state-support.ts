/**
 * Helpers every durable state store uses.
 * @module
 */
import { ConcurrencyError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { invalidArgument, validateInteger, validateOptionalString } from '../core/validation.js';
import type { Serialization } from '../serialization/serialization.js';

/** Serializes a durable state value for `revision`; the envelope is bound to the id and revision. */
export function encodeState(value: unknown, persistenceId: string, revision: number, serialization: Serialization): Uint8Array {
  return serialization.serialize(value, { persistenceId, sequenceNr: revision, what: 'state' });
}

/** A state encoded for an upsert, with its size for the hooks. */
export interface EncodedState {
  readonly payload: Uint8Array;
  readonly bytes: number;
}

/** {@link encodeState} as a store's `prepareUpsert` of a stored payload returns it. */
export function prepareState(value: unknown, persistenceId: string, revision: number, serialization: Serialization): EncodedState {
  const payload = encodeState(value, persistenceId, revision, serialization);
  return { payload, bytes: payload.length };
}

/**
 * Reads a stored durable state payload of the row at `revision`; null stays null (deleted).
 * A payload written for another id or revision throws CorruptDataError naming both.
 */
export function decodeState(payload: Uint8Array | null, persistenceId: string, revision: number, serialization: Serialization): unknown {
  return payload === null ? null : serialization.deserialize(payload, { persistenceId, sequenceNr: revision, what: 'state' }).value;
}

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

/** Checks a state given to `restore` and returns its revision. */
export function validateRestore(state: unknown): { revision: number; timestamp: number } {
  if (typeof state !== 'object' || state === null)
    invalidArgument('state', 'a stored durable state { persistenceId, revision, value, tag, timestamp }', state);
  const { persistenceId, revision, tag, timestamp } = state as Record<string, unknown>;
  validateStateChange(persistenceId, revision, tag);
  return {
    revision: revision as number,
    timestamp: validateInteger(timestamp, 'timestamp', { persistenceId: persistenceId as string }, { min: 0 }),
  };
}

/** The error for a `restore` of an id that already has a state. */
export function restoreConflict(persistenceId: string, current: number, restored: number, source?: string): ConcurrencyError {
  return new ConcurrencyError(
    `restore of ${JSON.stringify(persistenceId)} as revision ${restored}: expected an id never written (revision 0), found revision ${current}`,
    { persistenceId, expected: 0, actual: current, source },
  );
}
