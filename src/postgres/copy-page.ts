/**
 * A replay page as `COPY ... TO STDOUT (FORMAT binary)` sends it (see copyEventPageSql): the
 * rows' fields with their lengths, envelopes as stored. Each event is decoded straight from
 * the page's buffer as it is asked for, as PackedReplayPage does for the packed text rows.
 * @module
 */
import { CorruptDataError } from '../core/errors.js';
import type { PersistentRepr } from '../core/persistent-repr.js';
import type { Serialization } from '../serialization/serialization.js';
import type { ItemPage } from '../spi/paged-iterable.js';
import { replayedEvent } from '../spi/replayed-event.js';

/** "PGCOPY\n\377\r\n\0": the start of every binary COPY stream. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** sequence_nr, timestamp_ms, payload, metadata, manifest, writer_id, tags (JSON), cut_bytes. */
const FIELDS = 8;
/** Per row: start and end of payload, metadata, manifest, writer id, tags; -1 for a null. */
const STRIDE = 10;
const TWO_32 = 2 ** 32;

const broken = (persistenceId: string, expected: string, found: string): CorruptDataError =>
  new CorruptDataError(`journal page of ${JSON.stringify(persistenceId)}: expected ${expected}, found ${found}`, {
    persistenceId,
    expected,
    actual: found,
  });

const grow = (values: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
  const grown = new Float64Array(values.length * 2);
  grown.set(values);
  return grown;
};

/** Reads the fields of the binary COPY rows in `bytes`, checking every length against the buffer. */
export class CopyReplayPage implements ItemPage<PersistentRepr> {
  readonly length: number;
  /** Stored bytes of the row the page stopped before (see copyEventPageSql); null when not cut. */
  readonly cutBytes: number | null;
  /** See ItemPage.yieldEvery; the replay sets it once the next page is requested. */
  yieldEvery: number | undefined = undefined;
  readonly #persistenceId: string;
  readonly #serialization: Serialization;
  readonly #bytes: Buffer;
  /** Sequence number and timestamp of each row. */
  readonly #keys: Float64Array;
  readonly #offsets: Float64Array;

  constructor(bytes: Buffer, persistenceId: string, serialization: Serialization) {
    this.#persistenceId = persistenceId;
    this.#serialization = serialization;
    this.#bytes = bytes;
    if (bytes.length < 19 || !bytes.subarray(0, 11).equals(SIGNATURE)) {
      throw broken(persistenceId, 'a binary COPY header', `${bytes.length} bytes without one`);
    }
    let at = 19 + bytes.readUInt32BE(15);
    let cut: number | null = null;
    let previous = 0;
    let rows = 0;
    // Typed arrays, grown by doubling: arrays grown by push cost several times the parse itself.
    let keys = new Float64Array(2 * 256);
    let offsets = new Float64Array(STRIDE * 256);
    for (;;) {
      if (at + 2 > bytes.length) throw broken(persistenceId, 'the end of the COPY stream', `${bytes.length - at} bytes left`);
      const fields = bytes.readInt16BE(at);
      at += 2;
      if (fields === -1) break;
      if (fields !== FIELDS) throw broken(persistenceId, `${FIELDS} fields per row`, `${fields}`);
      if (2 * rows + 2 > keys.length) {
        keys = grow(keys);
        offsets = grow(offsets);
      }
      for (let field = 0; field < FIELDS; field++) {
        if (at + 4 > bytes.length) throw broken(persistenceId, 'a field length', `${bytes.length - at} bytes left`);
        const size = bytes.readInt32BE(at);
        at += 4;
        const end = size < 0 ? at : at + size;
        if (end > bytes.length) throw broken(persistenceId, `${size} field bytes`, `${bytes.length - at}`);
        if (field < 2) {
          if (size !== 8) throw broken(persistenceId, 'an 8-byte bigint', `${size} bytes`);
          keys[2 * rows + field] = bytes.readInt32BE(at) * TWO_32 + bytes.readUInt32BE(at + 4);
        } else if (field < 7) {
          const slot = STRIDE * rows + 2 * (field - 2);
          offsets[slot] = size < 0 ? -1 : at;
          offsets[slot + 1] = end;
        } else if (size === 4 && rows === 0) {
          cut = bytes.readInt32BE(at);
        }
        at = end;
      }
      const sequenceNr = keys[2 * rows] as number;
      // The statement orders by sequence_nr: rows out of order or repeated mean a page not to trust.
      if (sequenceNr <= previous) throw broken(persistenceId, `sequence numbers above ${previous}`, `${sequenceNr}`);
      if (offsets[STRIDE * rows] === -1) throw broken(persistenceId, `a payload for event ${sequenceNr}`, 'null');
      previous = sequenceNr;
      rows++;
    }
    if (at !== bytes.length) throw broken(persistenceId, `${at} bytes of COPY stream`, `${bytes.length}`);
    this.length = rows;
    this.cutBytes = cut;
    this.#keys = keys;
    this.#offsets = offsets;
  }

  /** The sequence number of the page's last event; 0 when empty. */
  get lastSequenceNr(): number {
    return this.length === 0 ? 0 : (this.#keys[(this.length - 1) * 2] as number);
  }

  /** The largest stored row (payload plus metadata) of the page. */
  get largestRow(): number {
    let largest = 0;
    const offsets = this.#offsets;
    for (let at = 0; at < this.length * STRIDE; at += STRIDE) {
      const metadataStart = offsets[at + 2] as number;
      const bytes =
        (offsets[at + 1] as number) - (offsets[at] as number) + (metadataStart < 0 ? 0 : (offsets[at + 3] as number) - metadataStart);
      if (bytes > largest) largest = bytes;
    }
    return largest;
  }

  item(index: number): PersistentRepr {
    const bytes = this.#bytes;
    const offsets = this.#offsets;
    const at = index * STRIDE;
    const manifestStart = offsets[at + 4] as number;
    const writerStart = offsets[at + 6] as number;
    const tagsStart = offsets[at + 8] as number;
    const metadataStart = offsets[at + 2] as number;
    const columns =
      manifestStart < 0 && writerStart < 0 && tagsStart < 0 && metadataStart < 0
        ? undefined
        : {
            manifest: manifestStart < 0 ? null : bytes.toString('utf8', manifestStart, offsets[at + 5]),
            tagsJson: tagsStart < 0 ? null : bytes.toString('utf8', tagsStart, offsets[at + 9]),
            writerId: writerStart < 0 ? null : bytes.toString('utf8', writerStart, offsets[at + 7]),
            metadata: bytes,
            metadataStart,
            metadataEnd: offsets[at + 3] as number,
          };
    return replayedEvent(
      this.#serialization,
      this.#persistenceId,
      this.#keys[index * 2] as number,
      this.#keys[index * 2 + 1] as number,
      bytes,
      offsets[at] as number,
      offsets[at + 1] as number,
      columns,
    );
  }
}
