/**
 * MessagePack serializer on msgpackr: compact, and round-trips Date, Map, Set, BigInt,
 * typed arrays and undefined natively. What it would change (-0, holes, class instances,
 * objects without prototype, functions) is refused with the path. msgpackr is an optional
 * peer dependency, loaded on first use.
 * @module
 */
import { requireOptionalPeer } from '../core/optional-peer.js';
import { assertMessagePackable } from './msgpack-values.js';
import type { Serializer } from './serializer.js';

// Records keep plain objects distinct from Maps; no shared structures, so every payload
// decodes on its own, years later, in another process.
const options = { moreTypes: true, useBigIntExtension: true, mapsAsObjects: false, useRecords: true } as const;

/** The part of msgpackr's `Packr` used here, typed locally so msgpackr's types are not needed. */
interface Packr {
  pack(value: unknown): Uint8Array;
  unpack(bytes: Uint8Array): unknown;
}
type PackrConstructor = new (packrOptions: typeof options) => Packr;
let packrClass: PackrConstructor | undefined;

/**
 * Loads msgpackr, or throws {@link PeerDependencyError} saying how to install it. Called on
 * first use, and by `Serialization` when MessagePack is the default, to fail at startup.
 */
export function loadMsgpackr(): PackrConstructor {
  packrClass ??= requireOptionalPeer<{ Packr: PackrConstructor }>({ name: 'msgpackr', source: 'msgpack' }).Packr;
  return packrClass;
}

/** MessagePack serializer, id `msgpack`. Needs the optional peer dependency `msgpackr`. */
export class MessagePackSerializer implements Serializer {
  readonly id = 'msgpack';
  #packr: Packr | undefined;

  manifest(): string {
    return '';
  }

  toBinary(value: unknown): Uint8Array {
    assertMessagePackable(value);
    this.#packr ??= new (loadMsgpackr())(options);
    return this.#packr.pack(value);
  }

  fromBinary(bytes: Uint8Array): unknown {
    // A fresh decoder per call: msgpackr decoders remember record structures between calls.
    return new (loadMsgpackr())(options).unpack(bytes);
  }
}
