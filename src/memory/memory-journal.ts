/**
 * In-memory journal: the reference implementation of the Journal SPI. Events are stored
 * serialized, exactly as a database would hold them, so tests catch what a real store
 * would reject.
 * @module
 */
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import { measure } from '../observability/hooks.js';
import { Serialization } from '../serialization/serialization.js';
import type { JournalCapabilities } from '../spi/capabilities.js';
import {
  decodeEvent,
  prepareWrites,
  type StoredEvent,
  sequenceConflict,
  validateDeleteTo,
  validateHighestArguments,
  validateReplayArguments,
} from '../spi/journal-support.js';
import {
  ChangeListeners,
  type OrderedEvent,
  type OrderingFilter,
  type QueryableJournal,
  validateIdListing,
  validateOrderingRead,
  validateSliceFilter,
} from '../spi/queryable-journal.js';
import { isInSlices } from '../spi/slices.js';
import { StoreLifecycle, type StoreOptions } from '../spi/store-options.js';

const NAME = 'memory';

interface Stream {
  /** Stored events, ascending and contiguous; deleted ones are removed from the front. */
  events: StoredEvent[];
  highest: number;
}

/** Options of {@link MemoryJournal}. */
export type MemoryJournalOptions = StoreOptions;

/** A journal held in process memory; lost when the process exits. Serves queries too. */
export class MemoryJournal implements QueryableJournal {
  /** Queries by global ordering, tags, slices and live notifications. */
  readonly capabilities: JournalCapabilities = { queries: true, tags: true, live: true, slices: true };
  readonly #streams = new Map<string, Stream>();
  /** Every stored event in global order; index = ordering - 1; deleted events become undefined. */
  readonly #log: (StoredEvent | undefined)[] = [];
  readonly #listeners = new ChangeListeners();
  readonly #serialization: Serialization;
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #hooks: StoreOptions['hooks'];
  readonly #lifecycle = new StoreLifecycle(NAME, 'journal');

  constructor(options: MemoryJournalOptions = {}) {
    this.#serialization = options.serialization ?? new Serialization();
    this.serialization = this.#serialization;
    this.#hooks = options.hooks;
  }

  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    this.#lifecycle.assertOpen('write');
    const prepared = prepareWrites(writes, this.#serialization);
    return measure(
      this.#hooks,
      { operation: 'journal.write', store: NAME },
      async () =>
        prepared.map(({ write, rows, error }) => {
          if (error) return error;
          const stream = this.#streams.get(write.persistenceId) ?? { events: [], highest: 0 };
          const first = rows[0]?.sequenceNr ?? 0;
          if (first !== stream.highest + 1) return sequenceConflict(write.persistenceId, stream.highest + 1, first, NAME);
          stream.events.push(...rows);
          stream.highest = rows[rows.length - 1]?.sequenceNr ?? stream.highest;
          this.#streams.set(write.persistenceId, stream);
          this.#log.push(...rows);
          return undefined;
        }),
      (results) => ({ count: results.length }),
    ).finally(() => this.#listeners.notify(this.#log.length));
  }

  async readByOrdering(afterOrdering: number, limit = 1000, filter: OrderingFilter = {}): Promise<OrderedEvent[]> {
    this.#lifecycle.assertOpen('readByOrdering');
    const { after, max } = validateOrderingRead(afterOrdering, limit, filter.tag);
    const slices = validateSliceFilter(filter, NAME);
    const out: OrderedEvent[] = [];
    for (let index = after; index < this.#log.length && out.length < max; index++) {
      const row = this.#log[index];
      if (!row || (filter.tag !== undefined && !row.tags?.includes(filter.tag))) continue;
      if (slices && !isInSlices(row.persistenceId, slices.entityType, slices)) continue;
      out.push({ ordering: index + 1, repr: decodeEvent(row, this.#serialization) });
    }
    return out;
  }

  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.#lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit);
    const ids = [...this.#streams.keys()].filter((id) => afterId === undefined || id > afterId).sort();
    return ids.slice(0, max);
  }

  async subscribe(listener: (notification: { readonly ordering: number }) => void): Promise<{ close(): Promise<void> }> {
    this.#lifecycle.assertOpen('subscribe');
    return this.#listeners.add(listener);
  }

  async *replay(persistenceId: string, from: number, to: number, max?: number): AsyncIterable<PersistentRepr> {
    this.#lifecycle.assertOpen('replay', persistenceId);
    const bounds = validateReplayArguments(persistenceId, from, to, max);
    const stream = this.#streams.get(persistenceId);
    if (!stream || bounds.max === 0) return;
    const started = performance.now();
    let count = 0;
    // Index arithmetic works because events are contiguous from the lowest kept one.
    const lowest = stream.events[0]?.sequenceNr ?? stream.highest + 1;
    for (let index = Math.max(0, bounds.from - lowest); index < stream.events.length && count < bounds.max; index++) {
      const row = stream.events[index] as StoredEvent;
      if (row.sequenceNr > bounds.to) break;
      count++;
      yield decodeEvent(row, this.#serialization);
    }
    this.#hooks?.onOperation?.({ operation: 'journal.replay', store: NAME, persistenceId, count, durationMs: performance.now() - started });
  }

  async highestSequenceNr(persistenceId: string, from?: number): Promise<number> {
    this.#lifecycle.assertOpen('highestSequenceNr', persistenceId);
    validateHighestArguments(persistenceId, from);
    return this.#streams.get(persistenceId)?.highest ?? 0;
  }

  async deleteTo(persistenceId: string, toSequenceNr: number): Promise<void> {
    this.#lifecycle.assertOpen('deleteTo', persistenceId);
    const to = validateDeleteTo(persistenceId, toSequenceNr);
    const stream = this.#streams.get(persistenceId);
    if (!stream) return;
    const kept = stream.events.filter((row) => row.sequenceNr > to);
    const deleted = new Set(stream.events.slice(0, stream.events.length - kept.length));
    stream.events = kept;
    if (deleted.size === 0) return;
    for (let index = 0; index < this.#log.length; index++) {
      const row = this.#log[index];
      if (row && deleted.has(row)) this.#log[index] = undefined;
    }
  }

  async close(): Promise<void> {
    this.#lifecycle.close();
    this.#listeners.clear();
  }
}
