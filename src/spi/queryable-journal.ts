/**
 * The capability a journal offers so persistence queries and projections can run on it:
 * events in one global order, ids in order, and optional append notifications. A journal
 * declares it with `capabilities: { queries: true, tags, live }` (src/spi/capabilities.ts).
 * @module
 */
import type { PersistentRepr } from '../core/persistent-repr.js';
import { invalidArgument, validateInteger, validateOptionalString } from '../core/validation.js';
import { journalCapabilities } from './capabilities.js';
import type { Journal } from './journal.js';
import { type SliceRange, validateSliceRange } from './slices.js';

/** An event with its position in the journal's global order. */
export interface OrderedEvent {
  /** Strictly increasing across the journal; gaps are allowed (rolled-back writes). */
  readonly ordering: number;
  readonly repr: PersistentRepr;
}

/** Narrows {@link QueryableJournal.readByOrdering}. */
export interface OrderingFilter {
  /** Only events carrying this tag. */
  readonly tag?: string;
  /** Only events of this entity type in these slices (src/spi/slices.ts); needs `capabilities.slices`. */
  readonly slices?: { readonly entityType: string } & SliceRange;
}

/** A journal that lists its persistence ids in order (capability `listing`, or `queries`). */
export interface ListableJournal extends Journal {
  /** Persistence ids ever written, ascending (by code point), after `afterId`, at most `limit`. */
  listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]>;
}

/** True when the journal declares `listing` (or `queries`), i.e. implements {@link ListableJournal}. */
export function isListableJournal(journal: Journal): journal is ListableJournal {
  return typeof journal === 'object' && journal !== null && journalCapabilities(journal).listing;
}

/** A journal that can serve queries. */
export interface QueryableJournal extends ListableJournal {
  /**
   * Events with an ordering above `afterOrdering`, ascending, at most `limit`. Must never
   * return an ordering while a lower one may still appear (a transaction committing late):
   * a reader that resumes after the last returned ordering sees every event exactly once.
   */
  readByOrdering(afterOrdering: number, limit?: number, filter?: OrderingFilter): Promise<OrderedEvent[]>;
  /** Persistence ids ever written, ascending (by code unit), after `afterId`, at most `limit`. */
  listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]>;
  /** Calls `listener` after appends, so live queries wake up instead of polling blindly. */
  subscribe?(listener: (notification: { readonly ordering: number }) => void): Promise<{ close(): Promise<void> }>;
}

/** True when the journal declares the `queries` capability, i.e. implements {@link QueryableJournal}. */
export function isQueryableJournal(journal: Journal): journal is QueryableJournal {
  return typeof journal === 'object' && journal !== null && journalCapabilities(journal).queries;
}

/**
 * Checks the arguments of an ordering read (`readByOrdering`, `readChangesByTag`); `tag`
 * is checked when given, and required when `tagRequired`.
 */
export function validateOrderingRead(
  afterOrdering: unknown,
  limit: unknown,
  tag: unknown,
  options: { readonly tagRequired?: boolean; readonly source?: string } = {},
): { after: number; max: number } {
  const context = { source: options.source };
  if (options.tagRequired && tag === undefined) invalidArgument('tag', 'a non-empty string', tag, context);
  validateOptionalString(tag, options.tagRequired ? 'tag' : 'filter.tag', context);
  return {
    after: validateInteger(afterOrdering, 'afterOrdering', context, { min: 0 }),
    max: validateInteger(limit, 'limit', context, { min: 1 }),
  };
}

/**
 * Checks `filter.slices` of an ordering read, when given: a non-empty entity type and a
 * slice range, and no tag beside it (a read filters by one or the other).
 */
export function validateSliceFilter(filter: OrderingFilter, source?: string): OrderingFilter['slices'] {
  const slices = filter.slices;
  if (slices === undefined) return undefined;
  if (typeof slices?.entityType !== 'string' || slices.entityType.length === 0) {
    invalidArgument('filter.slices.entityType', 'a non-empty string', slices?.entityType, { source });
  }
  if (filter.tag !== undefined) invalidArgument('filter', 'a tag or slices, not both', filter, { source });
  return { entityType: slices.entityType, ...validateSliceRange(slices.minSlice, slices.maxSlice, source) };
}

/** Checks the arguments of `listPersistenceIds` and returns the limit. */
export function validateIdListing(afterId: unknown, limit: unknown, source?: string): number {
  validateOptionalString(afterId, 'afterId', { source });
  return validateInteger(limit, 'limit', { source }, { min: 1 });
}

/** A change notification: the newest ordering known to the notifier (0 when it does not know). */
export type ChangeListener = (notification: { readonly ordering: number }) => void;

/** In-process listeners of a store's changes, for stores without a native notification channel. */
export class ChangeListeners {
  readonly #listeners = new Set<ChangeListener>();

  /** Adds a listener; closing the result removes it. */
  add(listener: ChangeListener): { close(): Promise<void> } {
    this.#listeners.add(listener);
    return { close: async () => void this.#listeners.delete(listener) };
  }

  /** Tells every listener; a listener that throws does not stop the others or the write. */
  notify(ordering: number): void {
    for (const listener of this.#listeners) {
      try {
        listener({ ordering });
      } catch {
        // A query's wake-up failing is its own problem, never the writer's.
      }
    }
  }

  /** Drops every listener (on close). */
  clear(): void {
    this.#listeners.clear();
  }
}
