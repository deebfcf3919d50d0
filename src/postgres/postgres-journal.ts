/**
 * PostgreSQL journal. Concurrent `write` calls are grouped (see append-batcher.ts): writes
 * queued while a batch is in flight go out together as one statement in which each
 * AtomicWrite is checked and stored all-or-nothing on its own. Replays page through the
 * history by keyset. Failures become StoreUnavailableError; a write whose outcome is
 * unknown (connection lost after it was sent) is checked before it is reported.
 * @module
 */

import { InvalidArgumentError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import { validateInteger } from '../core/validation.js';
import type { JournalCapabilities } from '../spi/capabilities.js';
import { GuardedJournal, type JournalCore } from '../spi/guarded-journal.js';
import { checkRecordedHighest, decodeEvent, prepareWrite, type ReplayBounds, type StoredEvent } from '../spi/journal-support.js';
import { pagedItems } from '../spi/paged-iterable.js';
import type { OrderedEvent, OrderingFilter } from '../spi/queryable-journal.js';
import { AppendBatcher } from './append-batcher.js';
import { copyOut, quoteLiteral } from './copy-out.js';
import { CopyReplayPage } from './copy-page.js';
import { NAME } from './errors.js';
import { type AppendListener, type AppendNotifications, type PostgresListenOptions, storeNotifications } from './listen.js';
import { attachBase, withPostgresBase } from './postgres-store.js';
import { type BatchRequest, ReadBatcher } from './read-batcher.js';
import { packedReplayPage, type ReplayPage, replayPages } from './replay-pages.js';
import {
  copyEventPageSql,
  deleteEventsSql,
  type EventRow,
  highestSequenceNrBatchSql,
  listPersistenceIdsSql,
  type NotifyTarget,
  type PackedEventPageRow,
  purgeEmptiedStreamsSql,
  purgeStreamSql,
  readByOrderingSql,
  readBySlicesAndOrderingSql,
  readByTagAndOrderingSql,
  readEventPageSql,
} from './schema/journal/index.js';
import { PostgresBase, type PostgresOptions } from './store-base.js';

/** Options of {@link PostgresJournal}. */
export type PostgresJournalOptions = PostgresOptions & {
  /**
   * Most events fetched per replay query (one binary COPY of that many rows).
   * @default 4000
   */
  readonly replayPageSize?: number;
  /**
   * Payload bytes per replay page, beyond its first event: small events come thousands
   * per round trip, huge ones a few at a time. @default 8 MiB
   */
  readonly replayPageBytes?: number;
  /** Most AtomicWrites grouped into one statement. @default 500 */
  readonly maxBatchWrites?: number;
  /**
   * Most append statements in flight at once, each on its own pooled connection. More than
   * one overlaps a statement's round trip and parameter decoding with another's execution;
   * the journal lock still serializes their inserts and commits. @default 4
   */
  readonly maxWritesInFlight?: number;
  /** Channel NOTIFYed after each append (payload `{"schema","ordering"}`); `false` disables. @default 'memento_journal' */
  readonly notifyChannel?: string | false;
  /** Where live queries LISTEN, see {@link PostgresListenOptions}. @default the pool's server, on a connection of its own */
  readonly listen?: PostgresListenOptions;
};

/** An event with its global ordering, as {@link PostgresJournal.readByOrdering} returns it. */
export type { OrderedEvent } from '../spi/queryable-journal.js';
export type { PostgresListenOptions } from './listen.js';

/** Statements in flight before highestSequenceNr calls queue, and the most ids one carries. */
const HIGHEST_BATCHING = { maxInFlight: 2, maxBatch: 500 };

/** Rows of an event page to the stored form. */
const toStored = (row: EventRow): StoredEvent => ({
  persistenceId: row.persistence_id,
  sequenceNr: Number(row.sequence_nr),
  timestamp: Number(row.timestamp_ms),
  manifest: row.manifest ?? undefined,
  tags: row.tags ?? undefined,
  writerId: row.writer_id ?? undefined,
  payload: row.payload,
  metadata: row.metadata ?? undefined,
});

/** The I/O of {@link PostgresJournal}. */
class PostgresJournalCore implements JournalCore {
  /** Queries by global ordering, tags and slices; live notifications (LISTEN/NOTIFY) unless `notifyChannel: false`. */
  readonly capabilities: JournalCapabilities;
  readonly #base: PostgresBase;
  readonly #pageSize: number;
  readonly #pageBytes: number;
  readonly #writer: AppendBatcher;
  readonly #highest: ReadBatcher<BatchRequest, number | Error>;
  /** Set once the pool's clients turned out not to take a COPY (see copyOut). */
  #copyUnsupported = false;
  /** The journal's one LISTEN connection, shared by its subscribers; none with `notifyChannel: false`. */
  readonly notifications: AppendNotifications | undefined;

  constructor(base: PostgresBase, options: PostgresJournalOptions) {
    this.#base = base;
    attachBase(this, base);
    this.#pageSize = validateInteger(options.replayPageSize ?? 4000, 'replayPageSize', { source: NAME }, { min: 1 });
    this.#pageBytes = validateInteger(options.replayPageBytes ?? 8 * 1024 * 1024, 'replayPageBytes', { source: NAME }, { min: 1 });
    const maxBatchWrites = validateInteger(options.maxBatchWrites ?? 500, 'maxBatchWrites', { source: NAME }, { min: 1 });
    const maxInFlight = validateInteger(options.maxWritesInFlight ?? 4, 'maxWritesInFlight', { source: NAME }, { min: 1 });
    const channel = options.notifyChannel ?? 'memento_journal';
    const notify: NotifyTarget | undefined = channel === false ? undefined : { channel, schema: base.schema };
    this.capabilities = { queries: true, tags: true, slices: true, live: notify !== undefined };
    this.#writer = new AppendBatcher(base, notify, maxBatchWrites, maxInFlight);
    const sql = highestSequenceNrBatchSql(base.tables);
    this.#highest = new ReadBatcher<BatchRequest, number | Error>(
      base,
      'journal.highestSequenceNr',
      async (requests) => {
        const ids = requests.map((request) => request.persistenceId);
        const rows = await this.#highest.read<{ highest_sequence_nr: string | null; highest_stored: string | null }>(sql, [ids]);
        // A damaged record fails its own id only, not the others sharing the statement.
        return requests.map(({ persistenceId }, i) => {
          try {
            return checkRecordedHighest(
              persistenceId,
              Number(rows[i]?.highest_sequence_nr ?? 0),
              Number(rows[i]?.highest_stored ?? 0),
              NAME,
            );
          } catch (error) {
            return error as Error;
          }
        });
      },
      HIGHEST_BATCHING,
    );
    this.notifications =
      notify &&
      storeNotifications({
        options,
        target: notify,
        pool: () => base.pool(),
        logger: base.logger,
        send: (text, values) => base.read('journal.subscribe', undefined, text, values),
      });
  }

  /** Stores each AtomicWrite all-or-nothing, grouped with concurrent calls into one statement. */
  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    return this.#writer.submit(writes.map((write) => prepareWrite(write, this.#base.serialization)));
  }

  /**
   * Pages as binary COPY (see copyEventPageSql), the next one fetched while this one is
   * consumed; each event decoded as the consumer asks for it. A pool whose clients cannot run
   * a COPY (not `pg`'s) gets the packed text rows of readEventPageSql instead.
   */
  replay(persistenceId: string, bounds: ReplayBounds): AsyncIterable<PersistentRepr> {
    const base = this.#base;
    const literal = quoteLiteral(persistenceId);
    const packed = async (values: [string, number, number, number, number]) =>
      packedReplayPage(
        (await base.read<PackedEventPageRow>('journal.replay', persistenceId, readEventPageSql(base.tables), values))[0],
        persistenceId,
        base.serialization,
      );
    // Each page's buffer is sized like the page before it, with an eighth to spare, never
    // beyond the page budget (only a page's first row may take more).
    let expectedBytes = 0;
    const fetch = async (values: [string, number, number, number, number]): Promise<ReplayPage> => {
      if (this.#copyUnsupported) return packed(values);
      const [, from, to, rows, bytesPerRow] = values;
      const bytes = await copyOut(
        base,
        'journal.replay',
        persistenceId,
        copyEventPageSql(base.tables, literal, from, to, rows, bytesPerRow),
        expectedBytes,
      );
      if (bytes !== undefined) {
        expectedBytes = Math.min(this.#pageBytes, Math.ceil(bytes.length * 1.125));
        return new CopyReplayPage(bytes, persistenceId, base.serialization);
      }
      this.#copyUnsupported = true;
      return packed(values);
    };
    return pagedItems(replayPages(persistenceId, bounds, { pageSize: this.#pageSize, pageBytes: this.#pageBytes }, fetch));
  }

  /**
   * The highest sequence number ever written for the id, surviving deletion. Asked with
   * other ids at the same moment (many entities recovering), it shares their statement.
   */
  async highestSequenceNr(persistenceId: string): Promise<number> {
    const highest = await this.#highest.submit({ persistenceId });
    if (highest instanceof Error) throw highest;
    return highest;
  }

  /** Deletes the id's events up to `to`; the highest stays. */
  async deleteTo(persistenceId: string, to: number): Promise<void> {
    // Deleting is idempotent, so retrying after a lost connection is safe.
    await this.#base.read('journal.deleteTo', persistenceId, deleteEventsSql(this.#base.tables), [persistenceId, to]);
  }

  /**
   * Events with a global ordering above `after`, ascending, at most `max`. Never skips an
   * event that commits later: see "Global ordering" in docs/postgres.md.
   */
  async readByOrdering(after: number, max: number, filter: OrderingFilter): Promise<OrderedEvent[]> {
    const tables = this.#base.tables;
    const slices = filter.slices;
    const [sql, values] = slices
      ? [readBySlicesAndOrderingSql(tables), [after, max, slices.entityType, slices.minSlice, slices.maxSlice]]
      : filter.tag === undefined
        ? [readByOrderingSql(tables), [after, max]]
        : [readByTagAndOrderingSql(tables), [after, max, filter.tag]];
    const rows = await this.#base.read<EventRow>('journal.readByOrdering', undefined, sql, values);
    return rows.map((row) => ({ ordering: Number(row.ordering), repr: decodeEvent(toStored(row), this.#base.serialization) }));
  }

  /** Persistence ids ever written (deleted or not), in byte order. */
  async listPersistenceIds(afterId: string | undefined, max: number): Promise<string[]> {
    const rows = await this.#base.read<{ persistence_id: string }>(
      'journal.listPersistenceIds',
      undefined,
      listPersistenceIdsSql(this.#base.tables),
      [afterId ?? '', max],
    );
    return rows.map((row) => row.persistence_id);
  }

  /**
   * Calls `listener` with the highest ordering of every append to this schema, through
   * LISTEN on the journal's one notification connection (outside the pool, reconnected
   * when it drops). Resolves once LISTEN was tried; `close()` the result to stop.
   */
  async subscribe(listener: AppendListener): Promise<{ close(): Promise<void> }> {
    const notifications = this.notifications;
    if (!notifications) {
      throw new InvalidArgumentError('notifyChannel', 'journal.subscribe: expected a notify channel, found notifyChannel: false', {
        expected: 'a channel name',
        actual: false,
        source: NAME,
      });
    }
    return notifications.subscribe(listener);
  }

  /** Answers queued writes, stops listening, then ends the pool if the journal built it. */
  async close(): Promise<void> {
    // Queued writes still get their answer before the pool goes away.
    await this.#writer.drained();
    await this.notifications?.stop();
    await this.#base.release();
  }
}

/** A journal in PostgreSQL tables (see docs/postgres.md for the schema). */
export class PostgresJournal extends withPostgresBase(GuardedJournal) {
  readonly #base: PostgresBase;
  readonly #core: PostgresJournalCore;

  constructor(options: PostgresJournalOptions) {
    const base = new PostgresBase(options);
    const core = new PostgresJournalCore(base, options);
    super(core, { source: NAME, hooks: base.hooks });
    this.#base = base;
    attachBase(this, base);
    this.#core = core;
  }

  /**
   * Forgets `persistenceId`: deletes all its events and the highest sequence number kept
   * for it, so a later write starts at 1 again. Unlike `deleteTo`, which keeps the highest
   * forever, this is the cleanup for ids that are gone for good (see "Growth and cleanup" in
   * docs/postgres.md); its snapshots are the snapshot store's to delete. Resolves with the
   * number of events deleted. Idempotent.
   */
  purge(persistenceId: string): Promise<number> {
    return this.guarded(
      'journal.purge',
      persistenceId,
      () => validatePersistenceId(persistenceId),
      async () => {
        const [row] = await this.#base.read<{ events: string }>('journal.purge', persistenceId, purgeStreamSql(this.#base.tables), [
          persistenceId,
        ]);
        return Number(row?.events ?? 0);
      },
    );
  }

  /**
   * Forgets every id whose events were all deleted (by `deleteTo`) more than `retentionMs`
   * ago and not written since: removes its highest sequence number, so a later write starts
   * at 1 again, and returns the ids. Choose a retention longer than any writer keeps a
   * sequence number (see "Growth and cleanup" in docs/postgres.md). Ids with events are never
   * touched. Idempotent.
   */
  purgeDeleted(options: { readonly retentionMs: number }): Promise<string[]> {
    return this.guarded(
      'journal.purgeDeleted',
      undefined,
      () => validateInteger(options?.retentionMs, 'retentionMs', { source: NAME }, { min: 0 }),
      async (retentionMs) => {
        const sql = purgeEmptiedStreamsSql(this.#base.tables);
        const rows = await this.#base.read<{ persistence_id: string }>('journal.purgeDeleted', undefined, sql, [retentionMs]);
        return rows.map((row) => row.persistence_id);
      },
    );
  }

  /** True while the journal's LISTEN connection is in place. */
  get listening(): boolean {
    return this.#core.notifications?.listening ?? false;
  }
}
