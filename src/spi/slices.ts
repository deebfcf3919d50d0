/**
 * Slices: every persistence id maps to one of {@link NUMBER_OF_SLICES} slices by a stable
 * hash, the same on every store, so projections can split the journal between processes
 * by slice ranges. Stores write the slice (and the entity type) beside each event now, so
 * indexing by slice later needs no data migration.
 * @module
 */

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
