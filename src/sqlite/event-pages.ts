/**
 * Reads a page of journal rows as one packed result row: SQLite concatenates the page's
 * envelopes with group_concat, lists the dense columns (sequence number, timestamp,
 * envelope length) as one string of numbers and the optional ones only for the rows that
 * have any. better-sqlite3 allocates a Buffer for every BLOB value it returns, which alone
 * capped replay throughput; a packed page costs one Buffer and two JSON.parse calls instead
 * (figures: docs/performance.md). The stored form is unchanged; src/spi/packed-event-pages.ts
 * unpacks the row.
 * @module
 */
import { sqliteCode } from './errors.js';

/** The optional columns of the rows that have any, keyed by `key`, as a JSON array. */
const sparseColumns = (key: string): string =>
  `json_group_array(json_array(${key}, manifest, writer_id, tags, length(metadata)))
  FILTER (WHERE manifest IS NOT NULL OR writer_id IS NOT NULL OR tags IS NOT NULL OR metadata IS NOT NULL)`;

/**
 * Wraps a row query (which must select `ordering, persistence_id, sequence_nr, timestamp,
 * manifest, writer_id, tags, payload, metadata` in the page's order) into the packed form.
 * `forQueries` adds each row's ordering and persistence id, which a replay already knows.
 */
export function packedPageQuery(rows: string, forQueries: boolean): string {
  // Every aggregate steps over the same row at once, so the i-th dense entry describes the
  // i-th envelope whatever order SQLite feeds them in; unpackPage (src/spi) restores the key order.
  // Most events have no manifest, writer, tags or metadata: those columns are listed only
  // for the rows that have one, keyed, which keeps the per-row work to a few numbers.
  const key = forQueries ? 'ordering' : 'sequence_nr';
  return `SELECT count(*), CAST(group_concat(payload, '') AS BLOB), CAST(group_concat(metadata, '') AS BLOB),
group_concat(sequence_nr || ',' || timestamp || ',' || length(payload)${forQueries ? " || ',' || ordering" : ''}),
${sparseColumns(key)},
${forQueries ? 'json_group_array(persistence_id)' : 'NULL'}
FROM (${rows})`;
}

/**
 * A replay page read with less than a packed one (src/spi/framed-event-pages.ts frames it):
 * the aggregates run straight over `from` (a range of one id's sequence numbers) with no
 * subquery, whose LIMIT made SQLite copy every row once more, and list no number per row but
 * the timestamp; `highest` (a scalar subquery) is the id's highest stored sequence number.
 * Most of a packed page's SQL cost was the row copy and the per-row number text (figures:
 * docs/performance.md).
 */
export function rangePageQuery(from: string, highest: string): string {
  return `SELECT count(*), CAST(group_concat(payload, '') AS BLOB), CAST(group_concat(metadata, '') AS BLOB),
min(sequence_nr), max(sequence_nr), group_concat(timestamp), ${sparseColumns('sequence_nr')}, ${highest}
${from}`;
}

/**
 * Bytes a packed page aims at. better-sqlite3 reads a page in one synchronous call on the
 * main thread, so the page's size bounds how long the event loop waits (replay pacing can
 * only pause between events): a page of this size takes a few milliseconds. It bounds
 * replay memory when events are large too.
 */
export const PAGE_BUDGET_BYTES = 1024 * 1024;

/** Rows of a first page, before the events' size is known: few, in case they are large. */
const FIRST_PAGE_ROWS = 16;

/**
 * Picks each page's row limit: at most `maxRows`, and few enough that a page of events the
 * size of those seen so far stays near {@link PAGE_BUDGET_BYTES}.
 */
export class PageSizer {
  #limit: number;
  readonly #maxRows: number;

  constructor(maxRows: number) {
    this.#maxRows = maxRows;
    this.#limit = Math.min(maxRows, FIRST_PAGE_ROWS);
  }

  /** The row limit for the next page. */
  get limit(): number {
    return this.#limit;
  }

  /** Adapts the limit to a page of `rows` events that took `bytes`. */
  record(rows: number, bytes: number): void {
    if (rows === 0) return;
    const perEvent = Math.max(1, bytes / rows);
    this.#limit = Math.max(1, Math.min(this.#maxRows, Math.floor(PAGE_BUDGET_BYTES / perEvent)));
  }

  /**
   * After SQLite refused a page as too big (its string length limit), halves the limit;
   * false when a single row is already the limit, so the error stands.
   */
  shrink(error: unknown): boolean {
    if (sqliteCode(error) !== 'SQLITE_TOOBIG' || this.#limit === 1) return false;
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    return true;
  }
}
