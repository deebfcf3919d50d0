/**
 * A replay page that SQLite reads with less than a packed page (see packed-event-pages.ts):
 * the rows of a range of sequence numbers, with no number per row but the timestamp. The
 * page's row count and its lowest and highest sequence numbers prove its rows are every
 * number of that range once; the envelopes' own headers frame the events (each declares its
 * length), and each envelope's place, checked as each event is read, binds it to its
 * sequence number. A page that proves less (a gap, a frame that does not end exactly at the
 * end of the bytes, an envelope without a place) is not framed: the store reads it again as
 * a packed page, whose errors name what is wrong. The stored form is unchanged.
 * @module
 */
import type { PersistentRepr } from '../core/persistent-repr.js';
import { declaredEnvelopeLengthAt, placeAt } from '../serialization/envelope.js';
import type { Serialization } from '../serialization/serialization.js';
import { frameSparse, replayedColumns, type SparseColumns, toBuffer } from './packed-event-pages.js';
import type { ItemPage } from './paged-iterable.js';
import { replayedEvent } from './replayed-event.js';

/**
 * A range page as one row: row count, concatenated payloads, concatenated metadata, lowest
 * and highest sequence number, the timestamps as comma-separated numbers (in the payloads'
 * order), the sparse columns as a JSON array (as in a packed page) and the highest sequence
 * number stored for the id.
 */
export type RangePageRow = [
  number,
  Uint8Array | null,
  Uint8Array | null,
  number | null,
  number | null,
  string | null,
  string,
  number | null,
];

/** A framed page of the events of one persistence id, decoded as each is asked for. */
export class FramedReplayPage implements ItemPage<PersistentRepr> {
  readonly length: number;
  /** The sequence number of the page's last event. */
  readonly lastSequenceNr: number;
  readonly #persistenceId: string;
  readonly #serialization: Serialization;
  readonly #first: number;
  readonly #timestamps: number[];
  /** Where each event's envelope starts; the last entry is the end of the last. */
  readonly #starts: number[];
  readonly #payloads: Buffer;
  /** The payloads as latin1 text, decoded once: an ASCII event is parsed from a slice of it. */
  readonly #latin1: string;
  readonly #metadata: Buffer;
  readonly #sparse: (SparseColumns | undefined)[] | undefined;
  readonly #metadataStarts: number[] | undefined;

  private constructor(
    persistenceId: string,
    serialization: Serialization,
    first: number,
    timestamps: number[],
    starts: number[],
    payloads: Buffer,
    metadata: Buffer,
    sparse: { columns: (SparseColumns | undefined)[]; metadataStarts: number[] } | undefined,
  ) {
    this.length = timestamps.length;
    this.lastSequenceNr = first + timestamps.length - 1;
    this.#persistenceId = persistenceId;
    this.#serialization = serialization;
    this.#first = first;
    this.#timestamps = timestamps;
    this.#starts = starts;
    this.#payloads = payloads;
    this.#latin1 = payloads.toString('latin1');
    this.#metadata = metadata;
    this.#sparse = sparse?.columns;
    this.#metadataStarts = sparse?.metadataStarts;
  }

  /**
   * The page of a non-empty range row, or undefined when the row does not prove itself
   * whole and in order (the caller then reads the page packed).
   */
  static of(row: RangePageRow, persistenceId: string, serialization: Serialization): FramedReplayPage | undefined {
    const [count, payloadBytes, metadataBytes, first, last, timestampsText, sparseJson] = row;
    if (count === 0 || first === null || last === null || timestampsText === null || last - first + 1 !== count) return undefined;
    const payloads = toBuffer(payloadBytes);
    const starts = frameEnvelopes(payloads, count);
    if (starts === undefined) return undefined;
    const timestamps = JSON.parse(`[${timestampsText}]`) as number[];
    if (timestamps.length !== count) return undefined;
    const metadata = toBuffer(metadataBytes);
    const sparse = JSON.parse(sparseJson) as SparseColumns[];
    let framedSparse: { columns: (SparseColumns | undefined)[]; metadataStarts: number[] } | undefined;
    if (sparse.length > 0) {
      const framed = frameSparse(sparse, count, (index) => first + index, metadata.length);
      if (typeof framed === 'number' || framed.metadataEnd !== metadata.length) return undefined;
      framedSparse = framed;
    } else if (metadata.length !== 0) {
      return undefined;
    }
    return new FramedReplayPage(persistenceId, serialization, first, timestamps, starts, payloads, metadata, framedSparse);
  }

  item(index: number): PersistentRepr {
    const sparse = this.#sparse?.[index];
    const columns =
      sparse === undefined ? undefined : replayedColumns(sparse, this.#metadata, (this.#metadataStarts as number[])[index] as number);
    return replayedEvent(
      this.#serialization,
      this.#persistenceId,
      this.#first + index,
      this.#timestamps[index] as number,
      this.#payloads,
      this.#starts[index] as number,
      this.#starts[index + 1] as number,
      columns,
      this.#latin1,
    );
  }
}

/**
 * Where each of the `count` envelopes concatenated in `payloads` starts (then the end of the
 * last), by their declared lengths; undefined unless they are exactly `count` placed
 * envelopes that end exactly at the end of the bytes. A version 1 envelope, or one written
 * without a place, does not bind itself to a sequence number: such a page is read packed.
 */
function frameEnvelopes(payloads: Buffer, count: number): number[] | undefined {
  const starts: number[] = new Array(count + 1);
  const end = payloads.length;
  let at = 0;
  for (let index = 0; index < count; index++) {
    starts[index] = at;
    const length = declaredEnvelopeLengthAt(payloads, at, end);
    if (length < 0 || at + length > end || placeAt(payloads, at) === 0) return undefined;
    at += length;
  }
  starts[count] = at;
  return at === end ? starts : undefined;
}
