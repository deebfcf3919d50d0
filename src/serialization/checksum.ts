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
  return bytes.length < NATIVE_FROM_BYTES
    ? CRC32.buf(bytes, previous) >>> 0
    : (taken(bytes, 0, bytes.length, previous) ?? nativeCrc32(bytes, previous));
}

/**
 * The smallest range {@link rememberChecksum} keeps: below it, reading the bytes again costs
 * less than it is worth, and the checks of events and small snapshots never look one up.
 */
export const REMEMBERED_CHECKSUM_FROM_BYTES = 256 * 1024;

/** Ranges whose CRC-32 a reader computed while the bytes arrived, by the memory that holds them. */
const remembered = new WeakMap<ArrayBufferLike, { readonly start: number; readonly end: number; readonly crc: number }>();

/**
 * Records `crc` as the CRC-32 of `bytes[start, end)`, computed by a reader chunk by chunk as
 * the bytes came in (while each chunk was still in the CPU's cache, and while the next one was
 * being read): the next {@link checksum} or {@link checksumRange} of exactly that memory takes
 * it instead of reading megabytes again, once. Only for memory the reader allocated itself and
 * hands to nothing else before the check.
 */
export function rememberChecksum(bytes: Uint8Array, start: number, end: number, crc: number): void {
  if (end - start < REMEMBERED_CHECKSUM_FROM_BYTES) return;
  remembered.set(bytes.buffer, { start: bytes.byteOffset + start, end: bytes.byteOffset + end, crc });
}

/** The remembered CRC-32 of exactly `bytes[start, end)` (forgotten as it is taken), if any. */
function taken(bytes: Uint8Array, start: number, end: number, previous: number): number | undefined {
  if (previous !== 0 || end - start < REMEMBERED_CHECKSUM_FROM_BYTES) return undefined;
  const known = remembered.get(bytes.buffer);
  if (known === undefined || known.start !== bytes.byteOffset + start || known.end !== bytes.byteOffset + end) return undefined;
  remembered.delete(bytes.buffer);
  return known.crc;
}

/** Slicing-by-8 tables: table k maps a byte to its CRC contribution k positions further on. */
const TABLES = (() => {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
    tables[n] = crc;
  }
  for (let n = 0; n < 256; n++) {
    let crc = tables[n] as number;
    for (let k = 1; k < 8; k++) {
      crc = (tables[crc & 0xff] as number) ^ (crc >>> 8);
      tables[k * 256 + n] = crc;
    }
  }
  return tables;
})();

/**
 * CRC-32 of `bytes[start, end)`, the same value as {@link checksum} of that range: a replay
 * checks every event inside its page's buffer, and a view per event (what `checksum` needs)
 * cost more than the small events' checksum itself.
 */
export function checksumRange(bytes: Uint8Array, start: number, end: number, previous = 0): number {
  if (end - start >= NATIVE_FROM_BYTES) return taken(bytes, start, end, previous) ?? nativeCrc32(bytes.subarray(start, end), previous);
  const t = TABLES;
  let crc = ~previous;
  let at = start;
  for (const stop = end - 7; at < stop; at += 8) {
    const low =
      crc ^
      ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24));
    crc =
      (t[1792 + (low & 0xff)] as number) ^
      (t[1536 + ((low >>> 8) & 0xff)] as number) ^
      (t[1280 + ((low >>> 16) & 0xff)] as number) ^
      (t[1024 + (low >>> 24)] as number) ^
      (t[768 + (bytes[at + 4] as number)] as number) ^
      (t[512 + (bytes[at + 5] as number)] as number) ^
      (t[256 + (bytes[at + 6] as number)] as number) ^
      (t[bytes[at + 7] as number] as number);
  }
  for (; at < end; at++) crc = (crc >>> 8) ^ (t[(crc ^ (bytes[at] as number)) & 0xff] as number);
  return ~crc >>> 0;
}
