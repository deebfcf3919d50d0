/**
 * The default serializer: UTF-8 JSON that never changes a value silently. Values holding only
 * JSON's own kinds are stored as plain JSON (manifest ''); values holding `undefined`, NaN,
 * ±Infinity, -0, BigInt, Date, Map, Set, typed arrays, sparse arrays or null-prototype objects
 * are stored as tagged JSON (manifest `tagged`) and come back exactly; functions, symbols,
 * cycles and class instances are refused with an error naming their path (see tagged-json).
 * @module
 */

import { isAscii } from 'node:buffer';
import type { EncodedValue, Serializer } from './serializer.js';
import { fromTagged, needsTags, toTagged } from './tagged-json.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
/** From this size on, TextEncoder beats Buffer.from, and ASCII is checked first (docs/performance.md). */
export const LARGE_BYTES = 64 * 1024;

/** The manifest of payloads in the tagged form; plain JSON has ''. */
export const TAGGED_JSON_MANIFEST = 'tagged';

/** JSON serializer, id `json`. */
export class JsonSerializer implements Serializer {
  readonly id = 'json';

  /** '' for plain JSON, `tagged` when the value needs the tagged form; throws for values it refuses. */
  manifest(value: unknown): string {
    return needsTags(value) ? TAGGED_JSON_MANIFEST : '';
  }

  toBinary(value: unknown): Uint8Array {
    return this.encode(value).bytes;
  }

  encode(value: unknown): EncodedValue {
    const { manifest, text } = this.encodeText(value);
    return { manifest, bytes: jsonBytes(text) };
  }

  /**
   * {@link encode} before the UTF-8 step: one walk decides the form (and refuses what cannot
   * round-trip), then one stringify. An envelope can write the text in place.
   */
  encodeText(value: unknown): { manifest: string; text: string } {
    const tagged = needsTags(value);
    const text = JSON.stringify(tagged ? toTagged(value) : value) as string;
    return { manifest: tagged ? TAGGED_JSON_MANIFEST : '', text };
  }

  fromBinary(bytes: Uint8Array, manifest = ''): unknown {
    const parsed = JSON.parse(textOf(bytes));
    if (manifest === '') return parsed;
    if (manifest === TAGGED_JSON_MANIFEST) return fromTagged(parsed);
    throw new TypeError(`unknown JSON manifest ${JSON.stringify(manifest)} (expected '' or '${TAGGED_JSON_MANIFEST}')`);
  }
}

/** The UTF-8 bytes of JSON text: Buffer.from wins for the short strings of events, TextEncoder for large ones. */
export function jsonBytes(text: string): Uint8Array {
  return text.length < LARGE_BYTES ? Buffer.from(text, 'utf8') : encoder.encode(text);
}

/**
 * {@link JsonSerializer.fromBinary} of `bytes[start, end)`, read in place (a replay's page
 * buffer). A lenient UTF-8 read replaces invalid bytes with U+FFFD; text holding one goes
 * through the strict decoder, which tells a real U+FFFD from damage.
 */
export function jsonFromRange(serializer: JsonSerializer, bytes: Buffer, start: number, end: number, manifest: string): unknown {
  if (end - start >= LARGE_BYTES) return serializer.fromBinary(bytes.subarray(start, end), manifest);
  const text = bytes.toString('utf8', start, end);
  if (text.includes('\uFFFD')) return serializer.fromBinary(bytes.subarray(start, end), manifest);
  const parsed = JSON.parse(text);
  if (manifest === '') return parsed;
  if (manifest === TAGGED_JSON_MANIFEST) return fromTagged(parsed);
  return serializer.fromBinary(bytes.subarray(start, end), manifest);
}

function textOf(bytes: Uint8Array): string {
  if (bytes.byteLength < LARGE_BYTES || !isAscii(bytes)) return decoder.decode(bytes);
  // All ASCII (the common case for JSON): a latin1 read is a plain copy, far cheaper than UTF-8 decoding.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
