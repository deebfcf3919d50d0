/**
 * MessagePack serializer on msgpackr: compact, and round-trips Date, Map, Set, BigInt,
 * typed arrays and undefined, which JSON cannot.
 * @module
 */
import { Packr } from 'msgpackr';
import type { Serializer } from './serializer.js';

// Records keep plain objects distinct from Maps; no shared structures, so every payload
// decodes on its own, years later, in another process.
const options = { moreTypes: true, useBigIntExtension: true, mapsAsObjects: false, useRecords: true } as const;

/** MessagePack serializer, id `msgpack`. */
export class MessagePackSerializer implements Serializer {
  readonly id = 'msgpack';
  readonly #packr = new Packr(options);

  manifest(): string {
    return '';
  }

  toBinary(value: unknown): Uint8Array {
    return this.#packr.pack(value);
  }

  fromBinary(bytes: Uint8Array): unknown {
    // A fresh decoder per call: msgpackr decoders remember record structures between calls.
    return new Packr(options).unpack(bytes);
  }
}
