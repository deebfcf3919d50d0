/**
 * Types of persistence queries; stores implement them as they gain query support.
 * @module
 */

/** A position in a query stream: a sequence (global ordering) or none (from the start). */
export type Offset = { readonly type: 'sequence'; readonly value: number } | { readonly type: 'none' };

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
