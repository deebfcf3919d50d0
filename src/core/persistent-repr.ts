/**
 * The journal's unit of storage, and the batch that is stored all-or-nothing.
 * @module
 */
import { validatePersistenceId } from './persistence-id.js';
import {
  invalidArgument,
  validateOptionalObject,
  validateOptionalString,
  validateSequenceNr,
  validateTags,
  validateTimestamp,
} from './validation.js';

/** One event as the journal stores and replays it. */
export interface PersistentRepr<E = unknown> {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly event: E;
  /** Epoch milliseconds when the event was persisted. */
  readonly timestamp: number;
  /** Type hint for event adapters and serializers (e.g. `order-placed.v2`). */
  readonly manifest?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  /** Identifies the process instance that wrote the event. */
  readonly writerId?: string | undefined;
  /** Free-form metadata stored beside the event, serialized with it. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

/** Events of one persistence id with contiguous sequence numbers, stored all or none. */
export interface AtomicWrite<E = unknown> {
  readonly persistenceId: string;
  readonly events: readonly PersistentRepr<E>[];
}

/** Fields of a {@link PersistentRepr} that may be left out when building one. */
export type PersistentReprInit<E> = Omit<PersistentRepr<E>, 'timestamp'> & { timestamp?: number };

/** Builds a {@link PersistentRepr}, stamping `Date.now()` when no timestamp is given. */
export function persistentRepr<E>(init: PersistentReprInit<E>): PersistentRepr<E> {
  // A spread that adds a property the source lacks is a slow path in V8: only a repr
  // without a timestamp takes it.
  const repr: PersistentRepr<E> = init.timestamp === undefined ? { ...init, timestamp: Date.now() } : ({ ...init } as PersistentRepr<E>);
  // Every persisted event comes through here: a valid one takes the cheap check, and every
  // error still comes from the full one.
  if (typeof repr.persistenceId === 'string') {
    validatePersistenceId(repr.persistenceId, 'repr.persistenceId');
    if (plainlyValidEventOf(repr, repr.persistenceId)) return repr;
  }
  validatePersistentRepr(repr, 'repr');
  return repr;
}

/** Checks one event's shape; `argument` names it in errors (e.g. `writes[0].events[2]`). */
export function validatePersistentRepr(value: unknown, argument: string, persistenceId?: string): void {
  if (typeof value !== 'object' || value === null) invalidArgument(argument, 'a PersistentRepr object', value, { persistenceId });
  const repr = value as Record<string, unknown>;
  // Inside a write whose id was already validated, equality is the whole check (and cheap).
  if (persistenceId === undefined || repr.persistenceId !== persistenceId) {
    validatePersistenceId(repr.persistenceId, `${argument}.persistenceId`);
  }
  const context = { persistenceId: repr.persistenceId as string };
  if (persistenceId !== undefined && repr.persistenceId !== persistenceId) {
    invalidArgument(
      `${argument}.persistenceId`,
      `the write's persistence id ${JSON.stringify(persistenceId)}`,
      repr.persistenceId,
      context,
    );
  }
  validateSequenceNr(repr.sequenceNr, `${argument}.sequenceNr`, context);
  validateTimestamp(repr.timestamp, `${argument}.timestamp`, context);
  validateOptionalString(repr.manifest, `${argument}.manifest`, context);
  validateTags(repr.tags, `${argument}.tags`, context);
  validateOptionalString(repr.writerId, `${argument}.writerId`, context);
  validateOptionalObject(repr.metadata, `${argument}.metadata`, context);
}

const isNonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
const isNonNegativeInteger = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * True when {@link validatePersistentRepr} certainly accepts `value` as an event of
 * `persistenceId`; false means "check it in full", never "invalid" by itself. Batches of
 * valid events then skip building an argument name per field of every event (the journal's
 * write path), while every error still comes from the one full check.
 */
function plainlyValidEventOf(value: unknown, persistenceId: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const repr = value as Record<string, unknown>;
  const { tags, metadata } = repr;
  return (
    repr.persistenceId === persistenceId &&
    isNonNegativeInteger(repr.sequenceNr) &&
    (repr.sequenceNr as number) >= 1 &&
    isNonNegativeInteger(repr.timestamp) &&
    (repr.manifest === undefined || isNonEmptyString(repr.manifest)) &&
    (repr.writerId === undefined || isNonEmptyString(repr.writerId)) &&
    (tags === undefined || (Array.isArray(tags) && tags.every(isNonEmptyString))) &&
    (metadata === undefined || (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)))
  );
}

/**
 * Checks a batch passed to `Journal.write`: each write non-empty, one persistence id per
 * write, contiguous sequence numbers. Throws before anything is written.
 */
export function validateAtomicWrites(writes: unknown, argument = 'writes'): asserts writes is readonly AtomicWrite[] {
  if (!Array.isArray(writes)) invalidArgument(argument, 'an array of AtomicWrite', writes);
  // Plain loops, and names and contexts built only on failure: every persist is checked here.
  for (let index = 0; index < writes.length; index++) {
    const write: unknown = writes[index];
    if (typeof write !== 'object' || write === null) invalidArgument(`${argument}[${index}]`, 'an AtomicWrite object', write);
    const { persistenceId, events } = write as Record<string, unknown>;
    validatePersistenceId(persistenceId, `${argument}[${index}].persistenceId`);
    if (!Array.isArray(events) || events.length === 0) {
      invalidArgument(`${argument}[${index}].events`, 'a non-empty array', events, { persistenceId });
    }
    for (let position = 0; position < events.length; position++) {
      const event: unknown = events[position];
      if (!plainlyValidEventOf(event, persistenceId))
        validatePersistentRepr(event, `${argument}[${index}].events[${position}]`, persistenceId);
      if (position > 0) {
        const expected = (events[0] as PersistentRepr).sequenceNr + position;
        const found = (event as PersistentRepr).sequenceNr;
        if (found !== expected) {
          invalidArgument(`${argument}[${index}].events[${position}].sequenceNr`, `${expected} (contiguous within the write)`, found, {
            persistenceId,
          });
        }
      }
    }
  }
}
