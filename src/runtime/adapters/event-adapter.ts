/**
 * Event adapters: how events change shape between the domain model and the journal, so
 * that event schemas can evolve. On write an adapter turns a domain event into its stored
 * form and names it with a manifest (e.g. `item-added.v2`); on read it turns a stored
 * event of a manifest back into zero, one or several domain events (upcasting).
 * @module
 */

/** The domain events one stored event becomes: `EventSeq.empty`, `EventSeq.single(e)` or `EventSeq.many(es)`. */
export interface EventSeq<Event> {
  readonly events: readonly Event[];
}

/** Builders of {@link EventSeq}. */
export const EventSeq = {
  /** No domain event: the stored event is dropped on replay. */
  empty: Object.freeze({ events: Object.freeze([]) }) as EventSeq<never>,
  /** Exactly one domain event. */
  single<Event>(event: Event): EventSeq<Event> {
    return Object.freeze({ events: Object.freeze([event]) });
  },
  /** Several domain events, applied in order with the stored event's sequence number. */
  many<Event>(events: readonly Event[]): EventSeq<Event> {
    return Object.freeze({ events: Object.freeze([...events]) });
  },
};

const TAGGED = Symbol.for('memento.tagged');

/** A stored event with tags, returned by `toJournal`; the tags go to `PersistentRepr.tags`. */
export interface Tagged {
  readonly [TAGGED]: true;
  readonly payload: unknown;
  readonly tags: readonly string[];
}

/** Wraps what `toJournal` stores with the tags to store it under (for `eventsByTag`). */
export function Tagged(payload: unknown, tags: readonly string[]): Tagged {
  return Object.freeze({ [TAGGED]: true as const, payload, tags: Object.freeze([...tags]) });
}

/** True when `value` was made by {@link Tagged} (from any copy of the package). */
export function isTagged(value: unknown): value is Tagged {
  return typeof value === 'object' && value !== null && (value as { [TAGGED]?: unknown })[TAGGED] === true;
}

/** Converts events of some types between their domain and their stored form. */
export interface EventAdapter<Event = unknown> {
  /** The manifest stored with `event` (e.g. `item-added.v2`); must be one of the binding's `manifests`. */
  manifest(event: Event): string;
  /** The value stored for `event`, or `Tagged(value, tags)` to tag it. */
  toJournal(event: Event): unknown;
  /** The domain events for a stored value of `manifest` (`NO_MANIFEST` for events stored without one). */
  fromJournal(stored: unknown, manifest: string): EventSeq<Event>;
}

/** Stands for "stored without a manifest" in `manifests`, so an adapter can upcast events written before adapters existed. */
export const NO_MANIFEST = '';

/** Binds an adapter to the events it writes and the manifests it reads. */
export interface EventAdapterBinding<Event = unknown> {
  readonly adapter: EventAdapter<Event>;
  /** Domain events this adapter writes; the first binding that applies wins. @default none (a read-only upcaster) */
  appliesTo?(event: Event): boolean;
  /** Stored manifests this adapter reads (each in one binding only); include every manifest it writes. */
  readonly manifests: readonly string[];
}
