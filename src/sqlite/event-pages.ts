/**
 * Reads a page of journal rows as one packed result row: SQLite concatenates the page's
 * envelopes with group_concat, lists the dense columns (sequence number, timestamp,
 * envelope length) as one string of numbers and the optional ones only for the rows that
 * have any. better-sqlite3 allocates a Buffer for every BLOB value it returns, which alone
 * capped replay throughput; a packed page costs one Buffer and two JSON.parse calls instead
 * (figures: docs/performance.md). The stored form is unchanged.
 * @module
 */
import { CorruptDataError } from '../core/errors.js';
import type { StoredEvent } from '../spi/journal-support.js';
import { sqliteCode } from './errors.js';

/**
 * A page as one row: row count, concatenated payloads, concatenated metadata, the dense
 * columns as comma-separated numbers, the sparse columns of the rows that have any as a
 * JSON array, and (for queries) the persistence ids as a JSON array.
 */
export type PackedPageRow = [number, Uint8Array | null, Uint8Array | null, string | null, string, string | null];

/** Sparse columns of one row: its key (sequence_nr, or ordering for queries), manifest, writer_id, tags, metadata bytes. */
type SparseColumns = [number, string | null, string | null, string | null, number | null];

/** The events of a page in key order, with their global orderings (same index; 0 in replay pages). */
export interface UnpackedPage {
  readonly events: StoredEvent[];
  readonly orderings: number[];
}

/**
 * Wraps a row query (which must select `ordering, persistence_id, sequence_nr, timestamp,
 * manifest, writer_id, tags, payload, metadata` in the page's order) into the packed form.
 * `forQueries` adds each row's ordering and persistence id, which a replay already knows.
 */
export function packedPageQuery(rows: string, forQueries: boolean): string {
  // Every aggregate steps over the same row at once, so the i-th dense entry describes the
  // i-th envelope whatever order SQLite feeds them in; unpackPage restores the key order.
  // Most events have no manifest, writer, tags or metadata: those columns are listed only
  // for the rows that have one, keyed, which keeps the per-row work to a few numbers.
  const key = forQueries ? 'ordering' : 'sequence_nr';
  return `SELECT count(*), CAST(group_concat(payload, '') AS BLOB), CAST(group_concat(metadata, '') AS BLOB),
group_concat(sequence_nr || ',' || timestamp || ',' || length(payload)${forQueries ? " || ',' || ordering" : ''}),
json_group_array(json_array(${key}, manifest, writer_id, tags, length(metadata)))
  FILTER (WHERE manifest IS NOT NULL OR writer_id IS NOT NULL OR tags IS NOT NULL OR metadata IS NOT NULL),
${forQueries ? 'json_group_array(persistence_id)' : 'NULL'}
FROM (${rows})`;
}

const pageOf = (persistenceId: string | undefined): string =>
  `journal page${persistenceId === undefined ? '' : ` of ${JSON.stringify(persistenceId)}`}`;

const truncated = (persistenceId: string | undefined, expected: number, found: number): CorruptDataError =>
  new CorruptDataError(`${pageOf(persistenceId)}: expected ${expected} envelope bytes, found ${found}`, {
    persistenceId,
    expected: `${expected} bytes`,
    actual: `${found} bytes`,
  });

/**
 * Splits a packed page into stored events ordered by `key` (sequence_nr for replay,
 * ordering for queries). `persistenceId` fills the id when the query left it out.
 */
export function unpackPage(row: PackedPageRow, key: 'sequenceNr' | 'ordering', persistenceId?: string): UnpackedPage {
  const [count, payloads, metadata, dense, sparseJson, idsJson] = row;
  if (count === 0 || dense === null) return { events: [], orderings: [] };
  const numbers = JSON.parse(`[${dense}]`) as number[];
  const sparse = JSON.parse(sparseJson) as SparseColumns[];
  const ids = idsJson === null ? undefined : (JSON.parse(idsJson) as string[]);
  const stride = key === 'ordering' ? 4 : 3;
  const events: StoredEvent[] = new Array(count);
  const orderings: number[] = new Array(count);
  const payloadBytes = payloads ?? new Uint8Array(0);
  const metadataBytes = metadata ?? new Uint8Array(0);
  let payloadAt = 0;
  let metadataAt = 0;
  let nextSparse = 0;
  let sorted = true;
  let previous = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < count; index++) {
    const at = index * stride;
    const sequenceNr = numbers[at] as number;
    const timestamp = numbers[at + 1] as number;
    const payloadEnd = payloadAt + (numbers[at + 2] as number);
    const ordering = stride === 4 ? (numbers[at + 3] as number) : 0;
    const owner = ids === undefined ? (persistenceId as string) : (ids[index] as string);
    if (payloadEnd > payloadBytes.length) throw truncated(owner, payloadEnd, payloadBytes.length);
    const current = key === 'ordering' ? ordering : sequenceNr;
    let columns: SparseColumns | undefined;
    if (nextSparse < sparse.length && (sparse[nextSparse] as SparseColumns)[0] === current) columns = sparse[nextSparse++];
    let eventMetadata: Uint8Array | undefined;
    const metadataLength = columns?.[4] ?? null;
    if (metadataLength !== null) {
      const metadataEnd = metadataAt + metadataLength;
      if (metadataEnd > metadataBytes.length) throw truncated(owner, metadataEnd, metadataBytes.length);
      eventMetadata = metadataBytes.subarray(metadataAt, metadataEnd);
      metadataAt = metadataEnd;
    }
    events[index] = {
      persistenceId: owner,
      sequenceNr,
      timestamp,
      manifest: columns?.[1] ?? undefined,
      writerId: columns?.[2] ?? undefined,
      tags: columns?.[3] == null ? undefined : (JSON.parse(columns[3]) as string[]),
      payload: payloadBytes.subarray(payloadAt, payloadEnd),
      metadata: eventMetadata,
    };
    orderings[index] = ordering;
    payloadAt = payloadEnd;
    if (current < previous) sorted = false;
    previous = current;
  }
  if (nextSparse !== sparse.length) throw unmatched(persistenceId, sparse.length - nextSparse);
  if (payloadAt !== payloadBytes.length) throw truncated(persistenceId, payloadAt, payloadBytes.length);
  return sorted ? { events, orderings } : sortPage(events, orderings, key);
}

const unmatched = (persistenceId: string | undefined, left: number): CorruptDataError =>
  new CorruptDataError(`${pageOf(persistenceId)}: expected every optional column to belong to a row of the page, found ${left} left over`, {
    persistenceId,
    expected: 'no optional columns left over',
    actual: `${left} left over`,
  });

/** Restores key order; never needed with SQLite's aggregates as they are, cheap insurance if that changes. */
function sortPage(events: StoredEvent[], orderings: number[], key: 'sequenceNr' | 'ordering'): UnpackedPage {
  const keys = key === 'ordering' ? orderings : events.map((event) => event.sequenceNr);
  const order = keys.map((_, index) => index).sort((a, b) => (keys[a] as number) - (keys[b] as number));
  return { events: order.map((index) => events[index] as StoredEvent), orderings: order.map((index) => orderings[index] as number) };
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
