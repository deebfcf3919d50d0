/**
 * Where projections keep their position: the offset-store SPI a plugin implements (the
 * SQLite and PostgreSQL stores make projections exactly-once) and the rules every store
 * shares (projection names, offsets as stored numbers).
 * @module
 */
import { describeValue, InvalidArgumentError } from '../core/errors.js';
import { type OffsetStoreCapabilities, offsetStoreCapabilities } from './capabilities.js';
import { NoOffset, type Offset } from './read-journal.js';

/** Stores the last processed offset per projection name. */
export interface OffsetStore {
  /** What the store offers beyond load and save. @default {} (no transactions) */
  readonly capabilities?: OffsetStoreCapabilities;
  /** The stored offset, or NoOffset for a projection that never ran. */
  load(projectionName: string): Promise<Offset>;
  /** Replaces the stored offset. */
  save(projectionName: string, offset: Offset): Promise<void>;
}

/**
 * An offset store in the database the handler writes to: the handler's writes and the
 * offset update commit in one transaction, which makes a projection exactly-once.
 */
export interface TransactionalOffsetStore<Transaction> extends OffsetStore {
  /** Runs `work` and stores `offset` in one transaction; neither is kept if either fails. */
  inTransaction(projectionName: string, offset: Offset, work: (transaction: Transaction) => void | Promise<void>): Promise<void>;
}

/** True when the store declares transactions (`capabilities.transactions`). */
export function isTransactionalOffsetStore(store: OffsetStore): store is TransactionalOffsetStore<unknown> {
  return offsetStoreCapabilities(store).transactions;
}

/** Checks a projection name. */
export function validateProjectionName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw new InvalidArgumentError(
      'projectionName',
      `projectionName: expected a non-empty string of at most 255 characters, found ${describeValue(name)}`,
      {
        expected: 'non-empty string',
        actual: name,
      },
    );
  }
  return name;
}

/**
 * The stored number of an offset (0 for NoOffset); a sequence or a timestamp keeps its value.
 * `projectionName`, when given, is named in the error.
 */
export function offsetToNumber(offset: Offset, projectionName?: string): number {
  if (offset?.type === 'none') return 0;
  if ((offset?.type === 'sequence' || offset?.type === 'timestamp') && Number.isSafeInteger(offset.value) && offset.value >= 0) {
    return offset.value;
  }
  const of = projectionName === undefined ? '' : ` of projection ${JSON.stringify(projectionName)}`;
  throw new InvalidArgumentError(
    'offset',
    `offset${of}: expected NoOffset or { type: 'sequence' | 'timestamp', value: integer >= 0 }, found ${describeOffset(offset)}`,
    {
      expected: 'Offset',
      actual: offset,
    },
  );
}

/** The offset as JSON (its fields are what is wrong), or its kind when it has none. */
function describeOffset(offset: unknown): string {
  try {
    return typeof offset === 'object' && offset !== null ? (JSON.stringify(offset) ?? describeValue(offset)) : describeValue(offset);
  } catch {
    return describeValue(offset);
  }
}

/**
 * The number a store keeps for an offset, its kind included: 0 for NoOffset, the value of a
 * sequence, the negated value of a timestamp. One number column (or attribute) then round
 * trips every kind without a schema change; a sequence or timestamp of value 0 means the
 * start, so it is kept as NoOffset.
 */
export function encodeOffset(offset: Offset): number {
  const value = offsetToNumber(offset);
  return offset.type === 'timestamp' ? -value : value;
}

/** The offset of a number {@link encodeOffset} made: 0 is NoOffset, a negative number a timestamp. */
export function decodeOffset(stored: number): Offset {
  if (!Number.isSafeInteger(stored)) {
    throw new InvalidArgumentError('offset', `stored offset: expected a safe integer, found ${JSON.stringify(stored)}`, {
      expected: 'safe integer',
      actual: stored,
    });
  }
  if (stored === 0) return NoOffset;
  return stored > 0 ? { type: 'sequence', value: stored } : { type: 'timestamp', value: -stored };
}
