/**
 * Persistence queries over any {@link QueryableJournal}: events by persistence id, by
 * tag, by slices, and the ids themselves, finite or live. What a journal supports is read from its
 * declared capabilities: `queries` to build a read journal at all, `tags` for
 * `eventsByTag`, `slices` for `eventsBySlices`, and `live` for waking on its append notifications (live streams poll
 * with back-off otherwise).
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { PersistentRepr } from '../core/persistent-repr.js';
import { validateInteger } from '../core/validation.js';
import { type JournalCapabilities, journalCapabilities } from '../spi/capabilities.js';
import { type ChangeSource, ChangeWaiter, closeOnly, type PollOptions, unlessAborted } from '../spi/change-waiter.js';
import type { Journal } from '../spi/journal.js';
import { validateReplayArguments } from '../spi/journal-support.js';
import { livePages } from '../spi/live-pages.js';
import { isQueryableJournal, type OrderingFilter, type QueryableJournal } from '../spi/queryable-journal.js';
import type { EventEnvelope, Offset, QueryOptions, ReadJournal, SliceQueries } from '../spi/read-journal.js';
import { validateEntityType, validateSliceRange } from '../spi/slices.js';

/** Options of {@link createReadJournal}. */
export interface ReadJournalOptions extends PollOptions {
  /** Events read per round trip. @default 500 */
  readonly pageSize?: number;
}

/** The offset after a given ordering. */
export const sequenceOffset = (value: number): Offset => ({ type: 'sequence', value });

function offsetValue(offset: Offset | undefined): number {
  if (offset === undefined || offset.type === 'none') return 0;
  if (offset.type === 'sequence') return validateInteger(offset.value, 'offset.value', {}, { min: 0 });
  throw new InvalidArgumentError('offset', `offset: expected { type: 'sequence' | 'none' }, found ${JSON.stringify(offset)}`, {
    expected: 'Offset',
    actual: offset,
  });
}

const envelope = (repr: PersistentRepr, offset: number): EventEnvelope => ({
  offset: sequenceOffset(offset),
  persistenceId: repr.persistenceId,
  sequenceNr: repr.sequenceNr,
  event: repr.event,
  timestamp: repr.timestamp,
  tags: repr.tags,
});

/** Builds the {@link ReadJournal} of a journal that implements {@link QueryableJournal}. */
export function createReadJournal(journal: Journal, options: ReadJournalOptions = {}): ReadJournal & SliceQueries {
  if (!isQueryableJournal(journal)) {
    throw new InvalidArgumentError(
      'journal',
      'journal: expected a journal declaring capabilities.queries (a QueryableJournal with readByOrdering and listPersistenceIds)',
      {
        expected: 'QueryableJournal',
        actual: journal?.constructor?.name,
      },
    );
  }
  const pageSize = validateInteger(options.pageSize ?? 500, 'pageSize', {}, { min: 1 });
  return new JournalReadJournal(journal, pageSize, options);
}

class JournalReadJournal implements ReadJournal, SliceQueries {
  /** Envelope offsets are the journal's global ordering. */
  readonly sliceOffsets = 'sequence' as const;
  readonly #capabilities: Required<JournalCapabilities>;

  constructor(
    private readonly journal: QueryableJournal,
    private readonly pageSize: number,
    private readonly poll: PollOptions,
  ) {
    this.#capabilities = journalCapabilities(journal);
  }

  /** A tailer woken by the journal's notifications when it declares `live`, else by its poll timer alone (and its close). */
  #waiter(signal: AbortSignal | undefined): ChangeWaiter {
    const source: ChangeSource = this.#capabilities.live ? this.journal : closeOnly(this.journal);
    return new ChangeWaiter(source, signal, this.poll);
  }

  /** Offsets of these envelopes are sequence numbers: resume with `from = offset + 1`. */
  async *eventsByPersistenceId(id: string, from: number, to: number, opts: QueryOptions = {}): AsyncIterable<EventEnvelope> {
    const bounds = validateReplayArguments(id, from, to);
    let next = Math.max(bounds.from, 1);
    const waiter = this.#waiter(opts.signal);
    if (opts.live) waiter.start();
    try {
      while (next <= bounds.to && !opts.signal?.aborted) {
        let read = 0;
        // Iterated by hand so that abort() ends the stream while a page is still being read.
        const page = this.journal.replay(id, next, bounds.to, this.pageSize)[Symbol.asyncIterator]();
        let finished = false;
        try {
          for (;;) {
            const step = await unlessAborted(page.next(), opts.signal);
            if (step === undefined) return;
            if (step.done) {
              finished = true;
              break;
            }
            read++;
            next = step.value.sequenceNr + 1;
            yield envelope(step.value, step.value.sequenceNr);
          }
        } finally {
          if (!finished) void page.return?.()?.catch(() => {});
        }
        if (read === this.pageSize) continue;
        if (!opts.live) return;
        if (read > 0) waiter.progressed();
        if (!(await waiter.wait())) return;
      }
    } finally {
      await waiter.close();
    }
  }

  /** Offsets are the journal's global ordering: resume with the last envelope's offset. */
  async *eventsByTag(tag: string, offset: Offset, opts: QueryOptions = {}): AsyncIterable<EventEnvelope> {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new InvalidArgumentError('tag', `tag: expected a non-empty string, found ${JSON.stringify(tag)}`, {
        expected: 'non-empty string',
        actual: tag,
      });
    }
    if (!this.#capabilities.tags) {
      throw new InvalidArgumentError('journal', 'eventsByTag: expected a journal declaring capabilities.tags, found none', {
        expected: 'capabilities.tags',
        actual: this.journal.constructor?.name,
      });
    }
    yield* this.#byOrdering({ tag }, offsetValue(offset), opts);
  }

  /**
   * Offsets are the journal's global ordering, as for {@link eventsByTag}: a stream resumed
   * after an offset misses nothing and repeats nothing.
   */
  async *eventsBySlices(
    entityType: string,
    minSlice: number,
    maxSlice: number,
    offset: Offset,
    opts: QueryOptions = {},
  ): AsyncIterable<EventEnvelope> {
    validateEntityType(entityType);
    const range = validateSliceRange(minSlice, maxSlice);
    if (!this.#capabilities.slices) {
      throw new InvalidArgumentError('journal', 'eventsBySlices: expected a journal declaring capabilities.slices, found none', {
        expected: 'capabilities.slices',
        actual: this.journal.constructor?.name,
      });
    }
    yield* this.#byOrdering({ slices: { entityType, ...range } }, offsetValue(offset), opts);
  }

  #byOrdering(filter: OrderingFilter, from: number, opts: QueryOptions): AsyncIterable<EventEnvelope> {
    let after = from;
    const source: ChangeSource = this.#capabilities.live ? this.journal : closeOnly(this.journal);
    return livePages(
      async () => {
        const page = await this.journal.readByOrdering(after, this.pageSize, filter);
        after = page[page.length - 1]?.ordering ?? after;
        return { items: page.map(({ ordering, repr }) => envelope(repr, ordering)), more: page.length === this.pageSize };
      },
      opts,
      this.poll,
      source,
    );
  }

  /**
   * Every persistence id once; live, new ids as they appear. A new id may sort before ids
   * already seen, so each live round lists from the start and remembers what it yielded:
   * memory grows with the number of ids.
   */
  async *persistenceIds(opts: QueryOptions = {}): AsyncIterable<string> {
    const seen = new Set<string>();
    const waiter = this.#waiter(opts.signal);
    if (opts.live) waiter.start();
    try {
      while (!opts.signal?.aborted) {
        let after: string | undefined;
        let found = 0;
        for (;;) {
          const page = await unlessAborted(this.journal.listPersistenceIds(after, this.pageSize), opts.signal);
          if (page === undefined) return;
          for (const id of page) {
            after = id;
            if (seen.has(id)) continue;
            if (opts.live) seen.add(id);
            found++;
            yield id;
          }
          if (page.length < this.pageSize) break;
        }
        if (!opts.live) return;
        if (found > 0) waiter.progressed();
        if (!(await waiter.wait())) return;
      }
    } finally {
      await waiter.close();
    }
  }
}
