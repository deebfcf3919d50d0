/**
 * The default serializer: UTF-8 JSON. Dates become ISO strings; Map, Set and BigInt are
 * not representable (use the MessagePack serializer for those).
 * @module
 */

import { isAscii } from 'node:buffer';
import type { Serializer } from './serializer.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
/** From this size on, TextEncoder beats Buffer.from, and ASCII is checked first (docs/performance.md). */
const LARGE_BYTES = 64 * 1024;

/** JSON serializer, id `json`. */
export class JsonSerializer implements Serializer {
  readonly id = 'json';

  manifest(): string {
    return '';
  }

  toBinary(value: unknown): Uint8Array {
    const text = JSON.stringify(value);
    // JSON.stringify returns undefined for undefined, functions and symbols: nothing to store.
    if (text === undefined) throw new TypeError(`JSON cannot represent a value of type ${typeof value}`);
    // Buffer.from wins for the short strings of events, TextEncoder for large ones.
    return text.length < LARGE_BYTES ? Buffer.from(text, 'utf8') : encoder.encode(text);
  }

  fromBinary(bytes: Uint8Array): unknown {
    if (bytes.byteLength < LARGE_BYTES || !isAscii(bytes)) return JSON.parse(decoder.decode(bytes));
    // All ASCII (the common case for JSON): a latin1 read is a plain copy, far cheaper than UTF-8 decoding.
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  }
}
