/**
 * Stores a value that already is bytes (a Uint8Array or Buffer) as those bytes: no
 * encoding, one copy at most. `Serialization` picks it for every Uint8Array unless
 * `serializerFor` chooses otherwise, because JSON cannot represent bytes at all.
 * @module
 */
import type { Serializer } from './serializer.js';

/** Payloads at least this big that fill most of their buffer are returned as views, not copies. */
const VIEW_THRESHOLD_BYTES = 64 * 1024;

/** Byte serializer, id `bytes`: Uint8Array in, Uint8Array out. */
export class BytesSerializer implements Serializer {
  readonly id = 'bytes';

  manifest(): string {
    return '';
  }

  toBinary(value: unknown): Uint8Array {
    if (!(value instanceof Uint8Array)) {
      throw new TypeError(`the bytes serializer stores Uint8Array values, not ${value === null ? 'null' : typeof value}`);
    }
    return value;
  }

  fromBinary(bytes: Uint8Array): Uint8Array {
    // A large snapshot is most of the buffer it was read into: a view saves a copy. A small
    // payload inside a bigger read buffer (a page of events) is copied, so it does not pin it.
    const view = bytes.byteLength >= VIEW_THRESHOLD_BYTES && bytes.byteLength * 2 >= bytes.buffer.byteLength;
    return view ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  }
}
