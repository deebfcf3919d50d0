/**
 * Journal pages packed into one result row, as the SQLite and PostgreSQL journals read them:
 * the store concatenates the page's envelopes (one byte string for payloads, one for
 * metadata), lists the dense columns (sequence number, timestamp, envelope length, and the
 * ordering for queries) as one string of numbers and the optional ones only for the rows
 * that have any. Unpacking costs one byte string and two JSON.parse calls per page instead
 * of a driver value per column and row. The stored form is unchanged.
 * @module
 */
import { CorruptDataError } from '../core/errors.js';
import type { StoredEvent } from './journal-support.js';

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

/** Restores key order; never needed with the stores' aggregates as they are, cheap insurance if that changes. */
function sortPage(events: StoredEvent[], orderings: number[], key: 'sequenceNr' | 'ordering'): UnpackedPage {
  const keys = key === 'ordering' ? orderings : events.map((event) => event.sequenceNr);
  const order = keys.map((_, index) => index).sort((a, b) => (keys[a] as number) - (keys[b] as number));
  return { events: order.map((index) => events[index] as StoredEvent), orderings: order.map((index) => orderings[index] as number) };
}
