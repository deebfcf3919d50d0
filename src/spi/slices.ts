/**
 * Slices: every persistence id maps to one of {@link NUMBER_OF_SLICES} slices by a stable
 * hash, the same on every store, so projections can split the journal between processes
 * by slice ranges. Stores write the slice (and the entity type) beside each event now, so
 * indexing by slice later needs no data migration.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';

/** Slices every persistence id is spread over. Fixed: stored slice numbers depend on it. */
export const NUMBER_OF_SLICES = 1024;

/** Separates the entity type from the entity id in a persistence id (`counter|42`), as the runtime writes it. */
const ENTITY_TYPE_SEPARATOR = '|';

/**
 * The slice of a persistence id, 0 to 1023: Java's `String.hashCode` over the UTF-16 code
 * units, modulo 1024, absolute value. The same numbers as Akka's slices, so a team moving
 * between the two finds its ids in the same slices.
 */
export function sliceOf(persistenceId: string): number {
  let hash = 0;
  for (let index = 0; index < persistenceId.length; index++) hash = (Math.imul(31, hash) + persistenceId.charCodeAt(index)) | 0;
  return Math.abs(hash % NUMBER_OF_SLICES);
}

/**
 * The entity type of a persistence id: the part before the first `|` (the runtime's
 * `name|id`), or the whole id when it has none (or starts with it), never empty.
 */
export function entityTypeOf(persistenceId: string): string {
  const at = persistenceId.indexOf(ENTITY_TYPE_SEPARATOR);
  return at <= 0 ? persistenceId : persistenceId.slice(0, at);
}

/** A contiguous range of slices, both ends included, that one projection process owns. */
export interface SliceRange {
  readonly minSlice: number;
  readonly maxSlice: number;
}

/** Checks an `eventsBySlices` entity type: a non-empty string. */
export function validateEntityType(entityType: unknown, source?: string): string {
  if (typeof entityType !== 'string' || entityType.length === 0) {
    throw new InvalidArgumentError('entityType', `entityType: expected a non-empty string, found ${JSON.stringify(entityType)}`, {
      expected: 'non-empty string',
      actual: entityType,
      ...(source === undefined ? {} : { source }),
    });
  }
  return entityType;
}

/** Checks a slice range (`0 <= minSlice <= maxSlice <= 1023`) and returns it. */
export function validateSliceRange(minSlice: unknown, maxSlice: unknown, source?: string): SliceRange {
  const isSlice = (value: unknown): value is number =>
    Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < NUMBER_OF_SLICES;
  if (!isSlice(minSlice) || !isSlice(maxSlice) || minSlice > maxSlice) {
    throw new InvalidArgumentError(
      'minSlice',
      `slice range: expected integers 0 <= minSlice <= maxSlice <= ${NUMBER_OF_SLICES - 1}, found ${JSON.stringify(minSlice)}..${JSON.stringify(maxSlice)}`,
      { expected: `0 <= minSlice <= maxSlice <= ${NUMBER_OF_SLICES - 1}`, actual: [minSlice, maxSlice], source },
    );
  }
  return { minSlice, maxSlice };
}

/**
 * `count` ranges of equal size covering every slice, in order: `sliceRanges(4)` gives
 * 0-255, 256-511, 512-767, 768-1023. `count` must divide 1024 (a power of two up to
 * 1024), so the ranges of `2 * count` split each range of `count` in two: see docs/scaling.md
 * on changing the number of processes.
 */
export function sliceRanges(count: number): SliceRange[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > NUMBER_OF_SLICES || NUMBER_OF_SLICES % count !== 0) {
    throw new InvalidArgumentError(
      'count',
      `sliceRanges: expected a power of two from 1 to ${NUMBER_OF_SLICES}, found ${JSON.stringify(count)}`,
      {
        expected: `power of two <= ${NUMBER_OF_SLICES}`,
        actual: count,
      },
    );
  }
  const size = NUMBER_OF_SLICES / count;
  return Array.from({ length: count }, (_, index) => ({ minSlice: index * size, maxSlice: index * size + size - 1 }));
}

/** True when the persistence id's entity type is `entityType` and its slice lies in the range. */
export function isInSlices(persistenceId: string, entityType: string, range: SliceRange): boolean {
  if (entityTypeOf(persistenceId) !== entityType) return false;
  const slice = sliceOf(persistenceId);
  return slice >= range.minSlice && slice <= range.maxSlice;
}
