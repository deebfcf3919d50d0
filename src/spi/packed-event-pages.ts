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
import type { PersistentRepr } from '../core/persistent-repr.js';
import { placeAt } from '../serialization/envelope.js';
import type { Serialization } from '../serialization/serialization.js';
import type { StoredEvent } from './journal-support.js';
import type { ItemPage } from './paged-iterable.js';
import { type ReplayedColumns, replayedEvent } from './replayed-event.js';

/**
 * A page as one row: row count, concatenated payloads, concatenated metadata, the dense
 * columns as comma-separated numbers, the sparse columns of the rows that have any as a
 * JSON array, and (for queries) the persistence ids as a JSON array.
 */
export type PackedPageRow = [number, Uint8Array | null, Uint8Array | null, string | null, string, string | null];

/** Sparse columns of one row: its key (sequence_nr, or ordering for queries), manifest, writer_id, tags, metadata bytes. */
export type SparseColumns = [number, string | null, string | null, string | null, number | null];

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

const NO_BYTES = Buffer.alloc(0);

/**
 * A packed replay page of one persistence id, decoding each event straight from the page's
 * buffer as it is asked for (what `unpackPage` then `decodeEvent` return, without the stored
 * event and the views in between). The page's framing is checked whole when it is made, as
 * `unpackPage` does; an event's envelope when that event is read.
 */
export class PackedReplayPage implements ItemPage<PersistentRepr> {
  readonly length: number;
  readonly #persistenceId: string;
  readonly #serialization: Serialization;
  readonly #numbers: number[];
  /** Where each row's payload starts, in stored order; the last entry is the end of the last. */
  readonly #starts: number[];
  readonly #payloads: Buffer;
  readonly #metadata: Buffer;
  /** Per stored row, its optional columns and where its metadata starts; undefined when no row has any. */
  readonly #sparse: (SparseColumns | undefined)[] | undefined;
  readonly #metadataStarts: number[] | undefined;
  /** Stored row of each index, when the rows did not come in sequence order. */
  readonly #order: number[] | undefined;

  constructor(row: PackedPageRow, persistenceId: string, serialization: Serialization) {
    const [count, payloads, metadata, dense, sparseJson] = row;
    this.#persistenceId = persistenceId;
    this.#serialization = serialization;
    this.#payloads = toBuffer(payloads);
    this.#metadata = toBuffer(metadata);
    if (count === 0 || dense === null) {
      this.length = 0;
      this.#numbers = [];
      this.#starts = [0];
      return;
    }
    this.length = count;
    const numbers = JSON.parse(`[${dense}]`) as number[];
    const sparse = JSON.parse(sparseJson) as SparseColumns[];
    const starts: number[] = new Array(count + 1);
    const payloadBytes = this.#payloads.length;
    let payloadAt = 0;
    let sorted = true;
    let previous = Number.NEGATIVE_INFINITY;
    for (let index = 0, at = 0; index < count; index++, at += 3) {
      starts[index] = payloadAt;
      payloadAt += numbers[at + 2] as number;
      if (payloadAt > payloadBytes) throw truncated(persistenceId, payloadAt, payloadBytes);
      const sequenceNr = numbers[at] as number;
      if (sequenceNr < previous) sorted = false;
      previous = sequenceNr;
    }
    starts[count] = payloadAt;
    if (sparse.length > 0) {
      const framed = frameSparse(sparse, count, (index) => numbers[index * 3] as number, this.#metadata.length);
      if (typeof framed === 'number') throw unmatched(persistenceId, framed);
      if (framed.metadataEnd > this.#metadata.length) throw truncated(persistenceId, framed.metadataEnd, this.#metadata.length);
      this.#sparse = framed.columns;
      this.#metadataStarts = framed.metadataStarts;
    }
    if (payloadAt !== payloadBytes) throw truncated(persistenceId, payloadAt, payloadBytes);
    this.#numbers = numbers;
    this.#starts = starts;
    if (!sorted) {
      this.#order = Array.from({ length: count }, (_, index) => index).sort(
        (a, b) => (numbers[a * 3] as number) - (numbers[b * 3] as number),
      );
    }
  }

  /** The sequence number of the page's last event (in sequence order); 0 when empty. */
  get lastSequenceNr(): number {
    if (this.length === 0) return 0;
    const row = this.#order === undefined ? this.length - 1 : (this.#order[this.length - 1] as number);
    return this.#numbers[row * 3] as number;
  }

  /**
   * True when every envelope of the page is bound to a place (a version 2 envelope with a
   * place tag), unchecked: a replay then reads its next pages framed (FramedReplayPage).
   */
  get placed(): boolean {
    for (let row = 0; row < this.length; row++) if (placeAt(this.#payloads, this.#starts[row] as number) === 0) return false;
    return true;
  }

  /** The largest stored row (payload plus metadata) of the page. */
  get largestRow(): number {
    let largest = 0;
    for (let row = 0; row < this.length; row++) {
      let bytes = (this.#starts[row + 1] as number) - (this.#starts[row] as number);
      const metadataLength = this.#sparse?.[row]?.[4];
      if (metadataLength != null) bytes += metadataLength;
      if (bytes > largest) largest = bytes;
    }
    return largest;
  }

  item(index: number): PersistentRepr {
    const row = this.#order === undefined ? index : (this.#order[index] as number);
    const sparse = this.#sparse?.[row];
    const columns =
      sparse === undefined ? undefined : replayedColumns(sparse, this.#metadata, (this.#metadataStarts as number[])[row] as number);
    return replayedEvent(
      this.#serialization,
      this.#persistenceId,
      this.#numbers[row * 3] as number,
      this.#numbers[row * 3 + 1] as number,
      this.#payloads,
      this.#starts[row] as number,
      this.#starts[row + 1] as number,
      columns,
    );
  }
}

/** The page's bytes as a Buffer (a view, never a copy). */
export const toBuffer = (bytes: Uint8Array | null): Buffer =>
  bytes === null ? NO_BYTES : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The optional columns of a page's rows, matched to them; where each row's metadata starts. */
export interface FramedSparse {
  readonly columns: (SparseColumns | undefined)[];
  readonly metadataStarts: number[];
  /** The end of the last metadata envelope, which must be the end of the page's metadata bytes. */
  readonly metadataEnd: number;
}

/**
 * Matches the sparse entries (in stored order, each keyed) to the `count` rows whose keys
 * `keyOf` gives, and frames the metadata by their lengths; the number of entries left
 * unmatched instead when some are. Stops framing past `metadataBytes` (the caller reports it).
 */
export function frameSparse(
  sparse: readonly SparseColumns[],
  count: number,
  keyOf: (index: number) => number,
  metadataBytes: number,
): FramedSparse | number {
  const columns: (SparseColumns | undefined)[] = new Array(count);
  const metadataStarts: number[] = new Array(count);
  let nextSparse = 0;
  let metadataAt = 0;
  for (let index = 0; index < count; index++) {
    metadataStarts[index] = metadataAt;
    const candidate = sparse[nextSparse];
    if (candidate === undefined || candidate[0] !== keyOf(index)) continue;
    columns[index] = candidate;
    nextSparse++;
    const metadataLength = candidate[4];
    if (metadataLength !== null) {
      metadataAt += metadataLength;
      if (metadataAt > metadataBytes) break;
    }
  }
  if (metadataAt <= metadataBytes && nextSparse !== sparse.length) return sparse.length - nextSparse;
  return { columns, metadataStarts, metadataEnd: metadataAt };
}

/** A row's optional columns as {@link replayedEvent} takes them; its metadata starts at `metadataStart` of `metadata`. */
export function replayedColumns(sparse: SparseColumns, metadata: Buffer, metadataStart: number): ReplayedColumns {
  const [, manifest, writerId, tagsJson, metadataLength] = sparse;
  const start = metadataLength == null ? -1 : metadataStart;
  return {
    manifest: manifest ?? null,
    tagsJson: tagsJson ?? null,
    writerId: writerId ?? null,
    metadata,
    metadataStart: start,
    metadataEnd: start + (metadataLength ?? 0),
  };
}
