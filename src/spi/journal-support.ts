/**
 * Helpers every journal plugin uses, so argument checks, conflict errors and the stored
 * row format have one implementation.
 * @module
 */
import { stampStoredSize } from '../core/encoded-size.js';
import { ConcurrencyError, CorruptDataError, MementoError, type MementoErrorDetails } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { type AtomicWrite, type PersistentRepr, validateAtomicWrites } from '../core/persistent-repr.js';
import { validateInteger } from '../core/validation.js';
import type { Serialization } from '../serialization/serialization.js';

/** An event as a journal stores it: payload and metadata as envelopes, the rest as columns. */
export interface StoredEvent {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly manifest: string | undefined;
  readonly tags: readonly string[] | undefined;
  readonly writerId: string | undefined;
  /** Envelope of the event. */
  readonly payload: Uint8Array;
  /** Envelope of `PersistentRepr.metadata`, when present. */
  readonly metadata: Uint8Array | undefined;
}

/** Serializes one event into its stored form; throws SerializationError. */
export function encodeEvent(repr: PersistentRepr, serialization: Serialization): StoredEvent {
  const context = { persistenceId: repr.persistenceId, sequenceNr: repr.sequenceNr, what: 'event' as const };
  return {
    persistenceId: repr.persistenceId,
    sequenceNr: repr.sequenceNr,
    timestamp: repr.timestamp,
    manifest: repr.manifest,
    tags: repr.tags && repr.tags.length > 0 ? [...repr.tags] : undefined,
    writerId: repr.writerId,
    payload: serialization.serialize(repr.event, context),
    metadata: repr.metadata === undefined ? undefined : serialization.serialize(repr.metadata, { ...context, what: 'event metadata' }),
  };
}

/**
 * Reads a stored event back; throws CorruptDataError or SerializationError naming it, and
 * naming `source` (the plugin, e.g. `redis`) when given.
 */
export function decodeEvent(row: StoredEvent, serialization: Serialization, source?: string): PersistentRepr {
  try {
    return decodeEventRow(row, serialization);
  } catch (error) {
    throw source === undefined ? error : attributedTo(error, source);
  }
}

function decodeEventRow(row: StoredEvent, serialization: Serialization): PersistentRepr {
  const context = { persistenceId: row.persistenceId, sequenceNr: row.sequenceNr, what: 'event' as const };
  const repr: { -readonly [K in keyof PersistentRepr]: PersistentRepr[K] } = {
    persistenceId: row.persistenceId,
    sequenceNr: row.sequenceNr,
    timestamp: row.timestamp,
    event: serialization.deserialize(row.payload, context).value,
  };
  if (row.manifest !== undefined) repr.manifest = row.manifest;
  if (row.tags !== undefined && row.tags.length > 0) repr.tags = row.tags;
  if (row.writerId !== undefined) repr.writerId = row.writerId;
  if (row.metadata !== undefined) {
    repr.metadata = serialization.deserialize(row.metadata, { ...context, what: 'event metadata' }).value as Record<string, unknown>;
  }
  // The envelope's size, as `snapshotEveryBytes` measures an event: recovery reports it as bytes read.
  stampStoredSize(repr, row.payload.length);
  return repr;
}

/** The same Memento error raised by `source`, when it names no source yet (its message then reads `[memento] [source] ...`). */
function attributedTo(error: unknown, source: string): unknown {
  if (!(error instanceof MementoError) || error.source !== undefined) return error;
  const Type = error.constructor as new (message: string, details: MementoErrorDetails) => MementoError;
  const { persistenceId, expected, actual, cause } = error;
  const copy = new Type(error.message.replace(/^\[memento\] /, ''), { persistenceId, expected, actual, cause, source });
  for (const [key, value] of Object.entries(error)) {
    if ((copy as unknown as Record<string, unknown>)[key] === undefined) (copy as unknown as Record<string, unknown>)[key] = value;
  }
  return copy;
}

/** A write ready to store, or the error that rejects it. */
export type PreparedWrite =
  | { readonly write: AtomicWrite; readonly rows: readonly StoredEvent[]; readonly error?: undefined }
  | { readonly write: AtomicWrite; readonly rows?: undefined; readonly error: Error };

/**
 * Validates a whole `write` call (throwing before anything is stored when malformed) and
 * serializes each AtomicWrite; one that fails to serialize is rejected alone.
 */
export function prepareWrites(writes: readonly AtomicWrite[], serialization: Serialization): PreparedWrite[] {
  validateAtomicWrites(writes);
  return writes.map((write) => prepareWrite(write, serialization));
}

/**
 * Serializes one validated AtomicWrite; a failure becomes the write's rejection. A store
 * may call this just before storing the write instead of through {@link prepareWrites}, so
 * the stored form of a large batch is never all alive at once.
 */
export function prepareWrite(write: AtomicWrite, serialization: Serialization): PreparedWrite {
  try {
    return { write, rows: write.events.map((event) => encodeEvent(event, serialization)) };
  } catch (error) {
    return { write, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** The error for a write whose first sequence number is not highest + 1. */
export function sequenceConflict(persistenceId: string, expected: number, found: number, source?: string): ConcurrencyError {
  const reason = found <= expected - 1 ? 'already written (another writer got there first?)' : 'would leave a gap';
  return new ConcurrencyError(
    `write to ${JSON.stringify(persistenceId)}: expected first sequence number ${expected} (highest + 1), found ${found}: ${reason}`,
    { persistenceId, expected, actual: found, source },
  );
}

/**
 * The highest sequence number a journal reports when it keeps one apart from its rows (so it
 * survives deleteTo): the recorded one, unless rows beyond it exist. Those mean the record was
 * lowered or lost behind the store's back; reporting it here beats recovering a stale state
 * whose every later write fails with ConcurrencyError.
 */
export function checkRecordedHighest(persistenceId: string, recorded: number, highestStored: number, source?: string): number {
  if (highestStored <= recorded) return recorded;
  throw new CorruptDataError(
    `journal of ${JSON.stringify(persistenceId)}: records highest sequence number ${recorded} but holds rows up to event ${highestStored}; the record was lowered or lost (edited by hand?): set it back to ${highestStored} before using this id`,
    { persistenceId, expected: `a recorded highest of at least ${highestStored}`, actual: recorded, source },
  );
}

/** Normalized replay bounds. */
export interface ReplayBounds {
  readonly from: number;
  readonly to: number;
  readonly max: number;
}

/** Checks replay arguments; `Infinity` is accepted for `to` and `max`. */
export function validateReplayArguments(
  persistenceId: unknown,
  from: unknown,
  to: unknown,
  max: unknown = Number.POSITIVE_INFINITY,
): ReplayBounds {
  validatePersistenceId(persistenceId);
  const context = { persistenceId };
  return {
    from: validateInteger(from, 'fromSequenceNr', context, { min: 0 }),
    to: validateInteger(to, 'toSequenceNr', context, { min: 0, allowInfinity: true }),
    max: validateInteger(max, 'max', context, { min: 0, allowInfinity: true }),
  };
}

/** Checks `deleteTo` arguments. */
export function validateDeleteTo(persistenceId: unknown, toSequenceNr: unknown): number {
  validatePersistenceId(persistenceId);
  return validateInteger(toSequenceNr, 'toSequenceNr', { persistenceId }, { min: 0, allowInfinity: true });
}

/** Checks `highestSequenceNr` arguments. */
export function validateHighestArguments(persistenceId: unknown, from: unknown): number {
  validatePersistenceId(persistenceId);
  return from === undefined ? 0 : validateInteger(from, 'fromSequenceNr', { persistenceId }, { min: 0, allowInfinity: true });
}
