/**
 * In-memory journal: the reference implementation of the Journal SPI. Events are stored
 * serialized, exactly as a database would hold them, so tests catch what a real store
 * would reject.
 * @module
 */
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import { Serialization } from '../serialization/serialization.js';
import type { JournalCapabilities } from '../spi/capabilities.js';
import { GuardedJournal, type JournalCore } from '../spi/guarded-journal.js';
import { decodeEvent, prepareWrite, type ReplayBounds, type StoredEvent, sequenceConflict } from '../spi/journal-support.js';
import { type ChangeListener, ChangeListeners, type OrderedEvent, type OrderingFilter } from '../spi/queryable-journal.js';
import type { StoreOptions } from '../spi/store-options.js';

const NAME = 'memory';

interface Stream {
  /** Stored events, ascending and contiguous; deleted ones are removed from the front. */
  events: StoredEvent[];
  highest: number;
}

/** Options of {@link MemoryJournal}. */
export type MemoryJournalOptions = StoreOptions;

/** The I/O of {@link MemoryJournal}: streams and a global log in memory. */
class MemoryJournalCore implements JournalCore {
  /** Queries by global ordering, tags and live notifications. */
  readonly capabilities: JournalCapabilities = { queries: true, tags: true, live: true };
  readonly #streams = new Map<string, Stream>();
  /** Every stored event in global order; index = ordering - 1; deleted events become undefined. */
  readonly #log: (StoredEvent | undefined)[] = [];
  readonly #listeners = new ChangeListeners();
  readonly #serialization: Serialization;

  constructor(serialization: Serialization) {
    this.#serialization = serialization;
  }

  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    const prepared = writes.map((write) => prepareWrite(write, this.#serialization));
    const results = prepared.map(({ write, rows, error }) => {
      if (error) return error;
      const stream = this.#streams.get(write.persistenceId) ?? { events: [], highest: 0 };
      const first = rows[0]?.sequenceNr ?? 0;
      if (first !== stream.highest + 1) return sequenceConflict(write.persistenceId, stream.highest + 1, first, NAME);
      stream.events.push(...rows);
      stream.highest = rows[rows.length - 1]?.sequenceNr ?? stream.highest;
      this.#streams.set(write.persistenceId, stream);
      this.#log.push(...rows);
      return undefined;
    });
    this.#listeners.notify(this.#log.length);
    return results;
  }

  async readByOrdering(after: number, max: number, filter: OrderingFilter): Promise<OrderedEvent[]> {
    const out: OrderedEvent[] = [];
    for (let index = after; index < this.#log.length && out.length < max; index++) {
      const row = this.#log[index];
      if (!row || (filter.tag !== undefined && !row.tags?.includes(filter.tag))) continue;
      out.push({ ordering: index + 1, repr: decodeEvent(row, this.#serialization) });
    }
    return out;
  }

  async listPersistenceIds(afterId: string | undefined, max: number): Promise<string[]> {
    const ids = [...this.#streams.keys()].filter((id) => afterId === undefined || id > afterId).sort();
    return ids.slice(0, max);
  }

  async subscribe(listener: ChangeListener): Promise<{ close(): Promise<void> }> {
    return this.#listeners.add(listener);
  }

  async *replay(persistenceId: string, bounds: ReplayBounds): AsyncIterable<PersistentRepr> {
    const stream = this.#streams.get(persistenceId);
    if (!stream || bounds.max === 0) return;
    let count = 0;
    // Index arithmetic works because events are contiguous from the lowest kept one.
    const lowest = stream.events[0]?.sequenceNr ?? stream.highest + 1;
    for (let index = Math.max(0, bounds.from - lowest); index < stream.events.length && count < bounds.max; index++) {
      const row = stream.events[index] as StoredEvent;
      if (row.sequenceNr > bounds.to) break;
      count++;
      yield decodeEvent(row, this.#serialization);
    }
  }

  async highestSequenceNr(persistenceId: string): Promise<number> {
    return this.#streams.get(persistenceId)?.highest ?? 0;
  }

  async deleteTo(persistenceId: string, to: number): Promise<void> {
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
    this.#listeners.clear();
  }
}

/** A journal held in process memory; lost when the process exits. Serves queries too. */
export class MemoryJournal extends GuardedJournal {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;

  constructor(options: MemoryJournalOptions = {}) {
    const serialization = options.serialization ?? new Serialization();
    super(new MemoryJournalCore(serialization), { source: NAME, hooks: options.hooks });
    this.serialization = serialization;
  }
}
