/**
 * Types of persistence queries; stores implement them as they gain query support.
 * @module
 */

/**
 * A position in a query stream: a sequence (a global ordering: resume after it, nothing is
 * missed), a timestamp (epoch milliseconds of a store without global ordering, DynamoDB:
 * resume by reading back a window before it) or none (from the start).
 */
export type Offset =
  | { readonly type: 'sequence'; readonly value: number }
  | { readonly type: 'timestamp'; readonly value: number }
  | { readonly type: 'none' };

/** The start of every stream. */
export const NoOffset: Offset = Object.freeze({ type: 'none' });

/** An event as delivered by a query, with the offset to resume after it. */
export interface EventEnvelope<E = unknown> {
  readonly offset: Offset;
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly event: E;
  readonly timestamp: number;
  readonly tags?: readonly string[] | undefined;
}

/** Options of live queries. */
export interface QueryOptions {
  /** Keep the stream open and deliver new events as they are written. @default false */
  readonly live?: boolean;
  /** Ends a live stream. */
  readonly signal?: AbortSignal;
}

/** Persistence queries over a journal. */
export interface ReadJournal {
  eventsByPersistenceId(id: string, from: number, to: number, opts?: QueryOptions): AsyncIterable<EventEnvelope>;
  eventsByTag(tag: string, offset: Offset, opts?: QueryOptions): AsyncIterable<EventEnvelope>;
  persistenceIds(opts?: QueryOptions): AsyncIterable<string>;
}

/**
 * Events of one entity type whose persistence ids fall in a range of slices
 * (src/spi/slices.ts), so N processes can each project one range (docs/scaling.md).
 */
export interface SliceQueries {
  /**
   * What the envelopes' offsets are: `sequence` (a global ordering; a stream resumed after
   * an offset misses nothing and repeats nothing) or `timestamp` (write times; a resumed
   * stream reads back a backtracking window and may repeat events from it).
   */
  readonly sliceOffsets: 'sequence' | 'timestamp';
  /** Events of `entityType` in slices `minSlice..maxSlice` (both included) after `offset`; each id's events in sequence order. */
  eventsBySlices(entityType: string, minSlice: number, maxSlice: number, offset: Offset, opts?: QueryOptions): AsyncIterable<EventEnvelope>;
}
