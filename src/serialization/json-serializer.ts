/**
 * The default serializer: UTF-8 JSON. Dates become ISO strings; Map, Set and BigInt are
 * not representable (use the MessagePack serializer for those).
 * @module
 */
import type { Serializer } from './serializer.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

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
    // Buffer.from is several times faster than TextEncoder for the short strings of events.
    return Buffer.from(text, 'utf8');
  }

  fromBinary(bytes: Uint8Array): unknown {
    return JSON.parse(decoder.decode(bytes));
  }
}
