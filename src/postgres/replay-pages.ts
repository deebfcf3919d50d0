/**
 * The pages of a PostgreSQL replay: each one query (a binary COPY, see copyEventPageSql, or
 * the packed text row of readEventPageSql), the next one requested as soon as a page arrives
 * so that it travels while this one is decoded. Row limits adapt to the events' size so a
 * page stays within the byte budget.
 * @module
 */
import type { PersistentRepr } from '../core/persistent-repr.js';
import type { Serialization } from '../serialization/serialization.js';
import type { ReplayBounds } from '../spi/journal-support.js';
import { type PackedPageRow, PackedReplayPage } from '../spi/packed-event-pages.js';
import type { ItemPage, ItemPageSource } from '../spi/paged-iterable.js';
import type { PackedEventPageRow } from './schema/journal/read-events.js';

/** A fetched page: its events, and what the next page's limits and start follow from. */
export interface ReplayPage extends ItemPage<PersistentRepr> {
  readonly lastSequenceNr: number;
  readonly largestRow: number;
  /** Stored bytes of the row the page stopped before for exceeding its share; null when not cut. */
  readonly cutBytes: number | null;
  /** Set once the next page is requested (see ItemPage.yieldEvery). */
  yieldEvery?: number | undefined;
}

/**
 * Events between turns of the event loop while the next page arrives: its COPY data is read
 * off the socket during each turn, so the server keeps sending while this page is decoded
 * (figures: docs/postgres.md). A turn costs a few microseconds; this many events take a few
 * hundred.
 */
export const YIELD_EVERY = 256;

/** Fetches one page: `[persistenceId, from, to, rows, bytesPerRow]` (`to` finite). */
export type FetchReplayPage = (values: [string, number, number, number, number]) => Promise<ReplayPage>;

/** Row limits and the per-row byte bound that keep a page within `pageBytes`. */
class PageLimits {
  readonly #pageSize: number;
  readonly #pageBytes: number;
  #rows: number;

  constructor(pageSize: number, pageBytes: number) {
    this.#pageSize = pageSize;
    this.#pageBytes = pageBytes;
    this.#rows = pageSize;
  }

  /** The row limit of the next page, at most `remaining`. */
  rows(remaining: number): number {
    return Math.max(1, Math.min(this.#rows, remaining));
  }

  /** Bytes a row after a page's first may take: the budget shared by the page's rows. */
  bytesPerRow(rows: number): number {
    return Math.max(1, Math.floor(this.#pageBytes / rows));
  }

  /** Adapts to the largest row of the last page (or the row it stopped before). */
  record(largest: number): void {
    this.#rows = Math.max(1, Math.min(this.#pageSize, Math.floor(this.#pageBytes / Math.max(1, largest))));
  }
}

const toPacked = (row: PackedEventPageRow | undefined): PackedPageRow =>
  row === undefined ? [0, null, null, null, '[]', null] : [row.count, row.payloads, row.metadata, row.dense, row.sparse, null];

/** The page of readEventPageSql's packed row. */
export function packedReplayPage(row: PackedEventPageRow | undefined, persistenceId: string, serialization: Serialization): ReplayPage {
  const page = new PackedReplayPage(toPacked(row), persistenceId, serialization) as PackedReplayPage & { cutBytes: number | null };
  page.cutBytes = row?.cut_bytes ?? null;
  return page;
}

/**
 * The pages of `persistenceId` within `bounds`, for `pagedItems`, each event decoded as it is
 * read. Each page is fetched while the one before it is consumed, and no further ahead: the
 * fetch of the page after next starts when the consumer takes the next one, so however slow
 * the consumer, at most one page waits besides the one it reads. A page in flight when the
 * consumer stops is dropped.
 */
export function replayPages(
  persistenceId: string,
  bounds: ReplayBounds,
  options: { readonly pageSize: number; readonly pageBytes: number },
  fetch: FetchReplayPage,
): ItemPageSource<PersistentRepr> {
  const limits = new PageLimits(options.pageSize, options.pageBytes);
  let remaining = bounds.max;
  /** A fetched page, and where the page after it starts (undefined: it is the last). */
  type Loaded = { readonly page: ReplayPage; readonly next: number | undefined } | undefined;
  // Sequence numbers are safe integers: the largest one stands for a replay bounded by `Infinity`.
  const to = Math.min(bounds.to, Number.MAX_SAFE_INTEGER);
  const load = async (from: number): Promise<Loaded> => {
    const rows = limits.rows(remaining);
    const page = await fetch([persistenceId, from, to, rows, limits.bytesPerRow(rows)]);
    if (page.length === 0) return undefined;
    remaining -= page.length;
    const cut = page.cutBytes;
    const last = page.lastSequenceNr;
    // A page shorter than its limit and not cut reached the end of the range.
    if (remaining > 0 && last < bounds.to && (page.length === rows || cut !== null)) {
      limits.record(Math.max(page.largestRow, cut ?? 0));
      return { page, next: last + 1 };
    }
    return { page, next: undefined };
  };
  let pending: Promise<Loaded> | undefined;
  let started = false;
  return () => {
    if (!started) {
      started = true;
      if (bounds.max === 0 || bounds.from > bounds.to) return undefined;
      pending = load(bounds.from);
    }
    const current = pending;
    pending = undefined;
    return current?.then((loaded) => {
      if (loaded?.next !== undefined) {
        pending = load(loaded.next);
        // Consumed (and its failure reported) by the next call; silenced if never asked for.
        pending.catch(() => {});
        loaded.page.yieldEvery = YIELD_EVERY;
      }
      return loaded?.page;
    });
  };
}
