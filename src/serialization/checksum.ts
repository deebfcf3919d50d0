/**
 * The CRC-32 (IEEE 802.3, as zlib computes it) that guards envelopes and snapshot frames:
 * one function for every writer and reader of them.
 * @module
 */
import { crc32 as nativeCrc32 } from 'node:zlib';
import CRC32 from 'crc-32';

/**
 * Below this size the pure-JS table lookup of `crc-32` is faster than zlib's native call,
 * whose fixed cost dominates small inputs such as events; above it zlib's wider loop wins
 * (figures: docs/performance.md, "Measurements behind choices in the code").
 */
const NATIVE_FROM_BYTES = 256;

/** CRC-32 of `bytes`, continuing from `previous` (the CRC-32 of the bytes before them; 0 for none). */
export function checksum(bytes: Uint8Array, previous = 0): number {
  return bytes.length < NATIVE_FROM_BYTES ? CRC32.buf(bytes, previous) >>> 0 : nativeCrc32(bytes, previous);
}
