/**
 * The guard every journal runs in front of its I/O: refusing use after close, checking
 * arguments and reporting timings to the hooks. A plugin implements {@link JournalCore};
 * {@link GuardedJournal} is the public journal.
 * @module
 */
import { type AtomicWrite, type PersistentRepr, validateAtomicWrites } from '../core/persistent-repr.js';
import { invalidArgument } from '../core/validation.js';
import { callHook } from '../observability/hooks.js';
import type { JournalCapabilities } from './capabilities.js';
import { GuardedStore, type StoreGuardOptions } from './guarded-store.js';
import { type ReplayBounds, validateDeleteTo, validateHighestArguments, validateReplayArguments } from './journal-support.js';
import { type IterationEnd, PagedIterable } from './paged-iterable.js';
import {
  type ChangeListener,
  type OrderedEvent,
  type OrderingFilter,
  type QueryableJournal,
  validateIdListing,
  validateOrderingRead,
  validateSliceFilter,
} from './queryable-journal.js';

/**
 * The I/O of a journal. {@link GuardedJournal} calls it only while open, with checked
 * arguments, inside the hook timing; the core only reads and writes.
 */
export interface JournalCore {
  /** Declared as the journal's capabilities; `queries` needs the two reads below, `live` needs `subscribe`. */
  readonly capabilities?: JournalCapabilities;
  /** Stores validated writes (serialize each with `prepareWrite`); see {@link Journal.write}. */
  write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]>;
  /** Events of the id within checked bounds, oldest first. */
  replay(persistenceId: string, bounds: ReplayBounds): AsyncIterable<PersistentRepr>;
  /** The highest sequence number ever written for a valid id (0 if none). */
  highestSequenceNr(persistenceId: string): Promise<number>;
  /** Deletes events up to and including `toSequenceNr` (checked, may be Infinity). */
  deleteTo(persistenceId: string, toSequenceNr: number): Promise<void>;
  /** With the `queries` capability: see {@link QueryableJournal.readByOrdering}. */
  readByOrdering?(afterOrdering: number, limit: number, filter: OrderingFilter): Promise<OrderedEvent[]>;
  /** With the `queries` or `listing` capability: see {@link QueryableJournal.listPersistenceIds}. */
  listPersistenceIds?(afterId: string | undefined, limit: number): Promise<string[]>;
  /** With the `live` capability: see {@link QueryableJournal.subscribe}. */
  subscribe?(listener: ChangeListener): Promise<{ close(): Promise<void> }>;
  /** Releases resources; called once, on the first `close()`. */
  close(): Promise<void>;
}

/** What {@link GuardedJournal} needs besides the core. */
export type JournalGuardOptions = StoreGuardOptions;

/**
 * A journal around a {@link JournalCore}: every public method refuses a closed journal and
 * validates its arguments, then times the core's I/O for the hooks (`count` is events, as
 * `OperationEvent` says; `journal.replay` is reported when a replay ends, read through or not).
 * `subscribe` exists only when the core has it.
 */
export class GuardedJournal extends GuardedStore<JournalCore> implements QueryableJournal {
  readonly capabilities: JournalCapabilities;

  constructor(core: JournalCore, options: JournalGuardOptions) {
    super(core, options, 'journal');
    this.capabilities = core.capabilities ?? {};
    // No `subscribe` to call on a store without notifications; readers go by capabilities.live.
    if (!core.subscribe) Object.defineProperty(this, 'subscribe', { value: undefined });
  }

  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    this.lifecycle.assertOpen('write', Array.isArray(writes) ? writes[0]?.persistenceId : undefined);
    validateAtomicWrites(writes);
    const persistenceId = writes.length === 1 ? writes[0]?.persistenceId : undefined;
    const count = writes.reduce((sum, write) => sum + write.events.length, 0);
    return this.timed('journal.write', { persistenceId, count }, () => this.core.write(writes));
  }

  /**
   * Checked when iteration starts, as a generator would be (so `replay()` itself never throws).
   * A core that builds its replay with `pagedIterable` is iterated as it is, with no step of
   * the guard's per event; any other is counted by a generator around it.
   */
  replay(persistenceId: string, from: number, to: number, max?: number): AsyncIterable<PersistentRepr> {
    return { [Symbol.asyncIterator]: () => this.#replayIterator(persistenceId, from, to, max) };
  }

  #replayIterator(persistenceId: string, from: number, to: number, max: number | undefined): AsyncIterator<PersistentRepr> {
    let bounds: ReplayBounds;
    try {
      this.lifecycle.assertOpen('replay', persistenceId);
      bounds = validateReplayArguments(persistenceId, from, to, max);
    } catch (error) {
      return failedIterator(error);
    }
    const started = performance.now();
    const report = (count: number) =>
      callHook(this.hooks?.onOperation, {
        operation: 'journal.replay',
        store: this.source,
        persistenceId,
        count,
        durationMs: performance.now() - started,
      });
    const events = this.core.replay(persistenceId, bounds);
    if (events instanceof PagedIterable) return (events as PagedIterable<PersistentRepr>).iterate(report);
    return counted(events, report)[Symbol.asyncIterator]();
  }

  async highestSequenceNr(persistenceId: string, from?: number): Promise<number> {
    this.lifecycle.assertOpen('highestSequenceNr', persistenceId);
    validateHighestArguments(persistenceId, from);
    return this.timed('journal.highestSequenceNr', { persistenceId }, () => this.core.highestSequenceNr(persistenceId));
  }

  async deleteTo(persistenceId: string, toSequenceNr: number): Promise<void> {
    this.lifecycle.assertOpen('deleteTo', persistenceId);
    const to = validateDeleteTo(persistenceId, toSequenceNr);
    await this.timed('journal.deleteTo', { persistenceId }, () => this.core.deleteTo(persistenceId, to));
  }

  async readByOrdering(afterOrdering: number, limit = 1000, filter: OrderingFilter = {}): Promise<OrderedEvent[]> {
    this.lifecycle.assertOpen('readByOrdering');
    const { after, max } = validateOrderingRead(afterOrdering, limit, filter.tag, { source: this.source });
    const slices = validateSliceFilter(filter, this.source);
    // A core without the capability would ignore the filter and return other slices' events.
    if (slices && this.capabilities.slices !== true)
      invalidArgument('filter.slices', 'a journal declaring capabilities.slices', filter, { source: this.source });
    return this.#query('readByOrdering').call(this.core, after, max, slices ? { slices } : filter);
  }

  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, this.source);
    return this.#query('listPersistenceIds').call(this.core, afterId, max);
  }

  async subscribe(listener: ChangeListener): Promise<{ close(): Promise<void> }> {
    this.lifecycle.assertOpen('subscribe');
    return this.#query('subscribe').call(this.core, listener);
  }

  /** Aborted when the store closes, with a StoreClosedError as its reason (live queries listen to it). */
  get closeSignal(): AbortSignal {
    return this.lifecycle.closeSignal;
  }

  #query<K extends 'readByOrdering' | 'listPersistenceIds' | 'subscribe'>(name: K): NonNullable<JournalCore[K]> {
    return this.coreMethod(name, `this journal does not implement ${name} (see its capabilities)`);
  }
}

/** The items of `events`, telling `onEnd` how many were handed out when the iteration ends. */
async function* counted<T>(events: AsyncIterable<T>, onEnd: IterationEnd): AsyncIterable<T> {
  let count = 0;
  try {
    for await (const event of events) {
      count++;
      yield event;
    }
  } finally {
    onEnd(count);
  }
}

/** An iterator whose first `next()` rejects with `error`, then ends. */
function failedIterator<T>(error: unknown): AsyncIterator<T, undefined> {
  let failed = false;
  return {
    next: () => {
      if (failed) return Promise.resolve({ done: true, value: undefined });
      failed = true;
      return Promise.reject(error);
    },
    return: () => {
      failed = true;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}
