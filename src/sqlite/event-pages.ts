/**
 * Reads a page of journal rows as one packed result row: SQLite concatenates the page's
 * envelopes with group_concat and lists the other columns (with each envelope's length)
 * as one JSON array. better-sqlite3 allocates a Buffer for every BLOB value it returns
 * (about 0.8 µs each), which alone held replay near 400k events/s; a packed page costs
 * one Buffer and one JSON.parse per page instead. The stored form is unchanged.
 * @module
 */
import { CorruptDataError } from '../core/errors.js';
import type { StoredEvent } from '../spi/journal-support.js';
import { sqliteCode } from './errors.js';

/** A page as one row: row count, concatenated payloads, concatenated metadata, JSON columns. */
export type PackedPageRow = [number, Uint8Array | null, Uint8Array | null, string];

/** One row of the columns array: sequence_nr, timestamp, manifest, writer_id, tags, payload bytes, metadata bytes, ordering, persistence_id. */
type PackedColumns = [number, number, string | null, string | null, string | null, number, number | null, number, string | null];

/** The events of a page in key order, with their global orderings (same index). */
export interface UnpackedPage {
  readonly events: StoredEvent[];
  readonly orderings: number[];
}

/**
 * Wraps a row query (which must select `ordering, persistence_id, sequence_nr, timestamp,
 * manifest, writer_id, tags, payload, metadata` in the page's order) into the packed form.
 * `withPersistenceId` false leaves the id out when the caller already knows it.
 */
export function packedPageQuery(rows: string, withPersistenceId: boolean): string {
  // Every aggregate steps over the same row at once, so the i-th JSON entry describes the
  // i-th envelope whatever order SQLite feeds them in; unpackPage restores the key order.
  return `SELECT count(*), CAST(group_concat(payload, '') AS BLOB), CAST(group_concat(metadata, '') AS BLOB),
json_group_array(json_array(sequence_nr, timestamp, manifest, writer_id, tags, length(payload), length(metadata), ordering${withPersistenceId ? ', persistence_id' : ''}))
FROM (${rows})`;
}

const truncated = (persistenceId: string | undefined, expected: number, found: number): CorruptDataError =>
  new CorruptDataError(
    `journal page${persistenceId === undefined ? '' : ` of ${JSON.stringify(persistenceId)}`}: expected ${expected} envelope bytes, found ${found}`,
    { persistenceId, expected: `${expected} bytes`, actual: `${found} bytes` },
  );

/**
 * Splits a packed page into stored events ordered by `key` (sequence_nr for replay,
 * ordering for queries). `persistenceId` fills the id when the query left it out.
 */
export function unpackPage(row: PackedPageRow, key: 'sequenceNr' | 'ordering', persistenceId?: string): UnpackedPage {
  const [count, payloads, metadata, json] = row;
  if (count === 0) return { events: [], orderings: [] };
  const columns = JSON.parse(json) as PackedColumns[];
  const events: StoredEvent[] = new Array(count);
  const orderings: number[] = new Array(count);
  const payloadBytes = payloads ?? new Uint8Array(0);
  const metadataBytes = metadata ?? new Uint8Array(0);
  let payloadAt = 0;
  let metadataAt = 0;
  let sorted = true;
  let previous = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < count; index++) {
    const [sequenceNr, timestamp, manifest, writerId, tags, payloadLength, metadataLength, ordering, id] = columns[index] as PackedColumns;
    const owner = id ?? (persistenceId as string);
    const payloadEnd = payloadAt + payloadLength;
    if (payloadEnd > payloadBytes.length) throw truncated(owner, payloadEnd, payloadBytes.length);
    let eventMetadata: Uint8Array | undefined;
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
      manifest: manifest ?? undefined,
      writerId: writerId ?? undefined,
      tags: tags === null ? undefined : (JSON.parse(tags) as string[]),
      payload: payloadBytes.subarray(payloadAt, payloadEnd),
      metadata: eventMetadata,
    };
    orderings[index] = ordering;
    payloadAt = payloadEnd;
    const current = key === 'ordering' ? ordering : sequenceNr;
    if (current < previous) sorted = false;
    previous = current;
  }
  if (payloadAt !== payloadBytes.length) throw truncated(persistenceId, payloadAt, payloadBytes.length);
  return sorted ? { events, orderings } : sortPage(events, orderings, key);
}

/** Restores key order; never needed with SQLite's aggregates as they are, cheap insurance if that changes. */
function sortPage(events: StoredEvent[], orderings: number[], key: 'sequenceNr' | 'ordering'): UnpackedPage {
  const keys = key === 'ordering' ? orderings : events.map((event) => event.sequenceNr);
  const order = keys.map((_, index) => index).sort((a, b) => (keys[a] as number) - (keys[b] as number));
  return { events: order.map((index) => events[index] as StoredEvent), orderings: order.map((index) => orderings[index] as number) };
}

/** Bytes a packed page aims at: bounds replay memory when events are large. */
export const PAGE_BUDGET_BYTES = 16 * 1024 * 1024;

/** Rows of a first page, before the events' size is known. */
const FIRST_PAGE_ROWS = 128;

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
