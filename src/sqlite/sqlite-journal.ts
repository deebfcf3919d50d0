/**
 * The SQLite journal: events in one table with a global ordering, tags indexed for
 * queries, the highest sequence number kept apart so it survives deleteTo, and group
 * commit of concurrent writes.
 * @module
 */
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import type { Serialization } from '../serialization/serialization.js';
import type { JournalCapabilities } from '../spi/capabilities.js';
import { FramedReplayPage, type RangePageRow } from '../spi/framed-event-pages.js';
import { GuardedJournal, type JournalCore } from '../spi/guarded-journal.js';
import { checkRecordedHighest, decodeEvent, type ReplayBounds } from '../spi/journal-support.js';
import { type PackedPageRow, PackedReplayPage, type UnpackedPage, unpackPage } from '../spi/packed-event-pages.js';
import { pagedItems } from '../spi/paged-iterable.js';
import { type ChangeListener, ChangeListeners, type OrderedEvent, type OrderingFilter } from '../spi/queryable-journal.js';
import type { SqliteConnection } from './connection.js';
import { PageSizer } from './event-pages.js';
import { GroupCommit } from './group-commit.js';
import { checkPageSize, NAME, type SqliteJournalOptions, type SqliteTarget } from './options.js';
import {
  deleteEvents,
  deleteTags,
  selectByOrdering,
  selectByTagAndOrdering,
  selectHighestAndStored,
  selectPage,
  selectPersistenceIds,
  selectRange,
} from './sql/journal-sql.js';
import { type StoreConnection, storeParts } from './store-connection.js';

/** The I/O of {@link SqliteJournal}. */
class SqliteJournalCore implements JournalCore {
  /** Queries by global ordering, tags and live notifications. */
  readonly capabilities: JournalCapabilities = { queries: true, tags: true, live: true };
  readonly #listeners = new ChangeListeners();
  readonly #serialization: Serialization;
  readonly #pageSize: number;
  readonly #connection: StoreConnection;

  constructor(connection: StoreConnection, serialization: Serialization, pageSize: number) {
    this.#connection = connection;
    this.#serialization = serialization;
    this.#pageSize = pageSize;
  }

  /** Queues the writes for the next group commit; see Journal.write for the result contract. */
  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    // Serialized by the group commit just before each write's INSERT: a large batch's stored
    // form then never lives all at once, so the garbage collector no longer promotes it
    // (the gain is in docs/performance.md).
    const queued = [...writes];
    const connection = this.#connection.get('write');
    let queue: GroupCommit;
    try {
      queue = GroupCommit.of(connection);
    } catch (error) {
      throw connection.failure(error, 'journal.write');
    }
    const results = await queue.enqueue(queued, this.#serialization);
    if (results.includes(undefined)) this.#listeners.notify(0);
    return results;
  }

  /** Events after a global ordering (optionally one tag's), ascending; see QueryableJournal. */
  async readByOrdering(after: number, max: number, filter: OrderingFilter): Promise<OrderedEvent[]> {
    const sizer = new PageSizer(max);
    const result: OrderedEvent[] = [];
    let cursor = after;
    while (result.length < max) {
      const connection = this.#connection.get('readByOrdering');
      const rows = Math.min(sizer.limit, max - result.length);
      const page = this.#readPage(connection, sizer, 'journal.readByOrdering', undefined, () =>
        filter.tag === undefined
          ? connection.rawStatement(selectByOrdering).get(cursor, rows)
          : connection.rawStatement(selectByTagAndOrdering).get(filter.tag, cursor, rows),
      );
      if (page === undefined) continue;
      page.events.forEach((stored, index) => {
        result.push({ ordering: page.orderings[index] as number, repr: decodeEvent(stored, this.#serialization) });
      });
      if (page.events.length < rows) break;
      cursor = page.orderings[page.orderings.length - 1] as number;
    }
    return result;
  }

  /** Persistence ids ever written (deleted or not), in byte order. */
  async listPersistenceIds(afterId: string | undefined, max: number): Promise<string[]> {
    const connection = this.#connection.get('listPersistenceIds');
    try {
      return (connection.rawStatement(selectPersistenceIds).all(afterId ?? '', max) as [string][]).map(([id]) => id);
    } catch (error) {
      throw connection.failure(error, 'journal.listPersistenceIds');
    }
  }

  /**
   * Tells `listener` after this journal object's writes commit. Writes by other processes
   * (or other journal objects on the file) are not seen here; live queries poll for those.
   */
  async subscribe(listener: ChangeListener): Promise<{ close(): Promise<void> }> {
    return this.#listeners.add(listener);
  }

  /**
   * Streams events in pages of at most `replayPageSize` (fewer when events are large, so a
   * page stays near 1 MiB and one read blocks the event loop only briefly), oldest first; never holds more than one page.
   * Each page is first read as a range of sequence numbers, framed by its envelopes (see
   * FramedReplayPage); a page that is not framed that way is read again packed, as before.
   */
  replay(persistenceId: string, bounds: ReplayBounds): AsyncIterable<PersistentRepr> {
    const sizer = new PageSizer(this.#pageSize);
    let { from: next, max: remaining } = bounds;
    let ended = false;
    // The first page, small, is read packed: framing is worth trying only if its envelopes are
    // placed (not version 1 nor written without a place), and stops when a whole page fails to frame.
    let framing: boolean | undefined;
    const nextPage = (): FramedReplayPage | PackedReplayPage | undefined => {
      while (!ended && remaining > 0 && next <= bounds.to) {
        // Re-checked per page: the store may be closed while a consumer is mid-stream.
        const connection = this.#connection.get('replay', persistenceId);
        const rows = Math.min(sizer.limit, remaining);
        const from = next;
        if (framing) {
          const last = Math.min(bounds.to, from + rows - 1);
          const range = this.#readPacked<RangePageRow>(connection, sizer, 'journal.replay', persistenceId, () =>
            connection.rawStatement(selectRange).get(persistenceId, persistenceId, from, last),
          );
          if (range === undefined) continue;
          const [count, , , , , , , highest] = range;
          // Fewer rows than the range holds: the page is whole only when nothing is stored after it.
          const whole = count === last - from + 1 || highest === null || highest <= last;
          if (whole && count === 0) {
            ended = true;
            return undefined;
          }
          const page = whole ? FramedReplayPage.of(range, persistenceId, this.#serialization) : undefined;
          if (page !== undefined) {
            remaining -= page.length;
            if (count < last - from + 1) ended = true;
            else next = last + 1;
            return page;
          }
          if (count === last - from + 1) framing = false;
        }
        const packed = this.#readPacked<PackedPageRow>(connection, sizer, 'journal.replay', persistenceId, () =>
          connection.rawStatement(selectPage).get(persistenceId, from, bounds.to, rows),
        );
        if (packed === undefined) continue;
        const page = new PackedReplayPage(packed, persistenceId, this.#serialization);
        framing ??= page.placed;
        remaining -= page.length;
        if (page.length < rows) ended = true;
        else next = page.lastSequenceNr + 1;
        if (page.length > 0) return page;
      }
      return undefined;
    };
    return pagedItems(nextPage);
  }

  /**
   * Runs one packed page query; `undefined` when SQLite refused the page as too big and the
   * sizer shrank it (the caller retries with the smaller limit).
   */
  #readPage(
    connection: SqliteConnection,
    sizer: PageSizer,
    operation: string,
    persistenceId: string | undefined,
    query: () => unknown,
  ): UnpackedPage | undefined {
    const packed = this.#readPacked<PackedPageRow>(connection, sizer, operation, persistenceId, query);
    return packed && unpackPage(packed, persistenceId === undefined ? 'ordering' : 'sequenceNr', persistenceId);
  }

  /** {@link #readPage} before unpacking: the packed (or range) row, whose first three columns are count, payloads and metadata. */
  #readPacked<R extends PackedPageRow | RangePageRow>(
    connection: SqliteConnection,
    sizer: PageSizer,
    operation: string,
    persistenceId: string | undefined,
    query: () => unknown,
  ): R | undefined {
    let packed: R;
    try {
      packed = query() as R;
    } catch (error) {
      if (sizer.shrink(error)) return undefined;
      throw connection.failure(error, operation, persistenceId);
    }
    sizer.record(packed[0], (packed[1]?.length ?? 0) + (packed[2]?.length ?? 0));
    return packed;
  }

  /** Reads the kept highest sequence number, which survives deleteTo; CorruptDataError when rows lie beyond it. */
  async highestSequenceNr(persistenceId: string): Promise<number> {
    const connection = this.#connection.get('highestSequenceNr', persistenceId);
    let row: [number | null, number | null];
    try {
      row = connection.rawStatement(selectHighestAndStored).get(persistenceId, persistenceId) as [number | null, number | null];
    } catch (error) {
      throw connection.failure(error, 'journal.highestSequenceNr', persistenceId);
    }
    return checkRecordedHighest(persistenceId, row[0] ?? 0, row[1] ?? 0, NAME);
  }

  /** Deletes events (and their tag rows) up to `to` in one transaction; the highest stays. */
  async deleteTo(persistenceId: string, to: number): Promise<void> {
    const connection = this.#connection.get('deleteTo', persistenceId);
    try {
      connection.immediate(() => {
        connection.statement(deleteTags).run(persistenceId, to);
        connection.statement(deleteEvents).run(persistenceId, to);
      });
    } catch (error) {
      throw connection.failure(error, 'journal.deleteTo', persistenceId);
    }
  }

  /** Commits writes still queued, then releases the connection (closed when no other store uses it). */
  async close(): Promise<void> {
    this.#listeners.clear();
    const connection = this.#connection.current;
    if (connection) GroupCommit.flushPending(connection);
    this.#connection.release();
  }
}

/**
 * A journal in an SQLite file (or an open better-sqlite3 Database).
 *
 * @example
 * const journal = new SqliteJournal('./data/memento.db', { synchronous: 'FULL' });
 * await journal.write([{ persistenceId: 'cart-1', events: [persistentRepr({ persistenceId: 'cart-1', sequenceNr: 1, event: 'opened' })] }]);
 */
export class SqliteJournal extends GuardedJournal {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #connection: StoreConnection;

  constructor(database: SqliteTarget, options: SqliteJournalOptions = {}) {
    const { lifecycle, connection, serialization } = storeParts(database, options, 'journal');
    const pageSize = checkPageSize(options.replayPageSize, 'options.replayPageSize', 1000);
    super(new SqliteJournalCore(connection, serialization, pageSize), { source: NAME, hooks: options.hooks, lifecycle });
    this.serialization = serialization;
    this.#connection = connection;
  }

  /** Opens the file and applies migrations now, so a bad path fails at startup rather than at first use. */
  async ready(): Promise<void> {
    this.#connection.get('ready');
  }
}
