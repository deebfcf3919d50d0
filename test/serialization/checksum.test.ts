import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, checksumRange, REMEMBERED_CHECKSUM_FROM_BYTES, rememberChecksum } from '../../src/serialization/checksum.js';
import { propertyRuns } from '../support/property-runs.js';

// Sizes on both sides of the switch from the JS table to zlib's native loop.
const bytes = fc.uint8Array({ minLength: 0, maxLength: 700 });

describe('checksum', () => {
  it('is zlib CRC-32 for inputs of any size', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        expect(checksum(input)).toBe(crc32(input));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('continues a checksum across pieces, whichever way each piece is computed', () => {
    fc.assert(
      fc.property(bytes, bytes, (first, second) => {
        const whole = Buffer.concat([first, second]);
        expect(checksum(second, checksum(first))).toBe(crc32(whole));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('computes the same checksum over a range of a larger buffer, continued or not', () => {
    fc.assert(
      fc.property(bytes, bytes, bytes, fc.boolean(), (before, range, after, continued) => {
        const whole = Buffer.concat([before, range, after]);
        const previous = continued ? checksum(before) : 0;
        const expected = checksum(range, previous);
        expect(checksumRange(whole, before.length, before.length + range.length, previous)).toBe(expected);
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('matches the standard check value', () => {
    // CRC-32/ISO-HDLC of the ASCII digits 1-9.
    expect(checksum(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(checksum(Buffer.alloc(0))).toBe(0);
    expect(checksumRange(Buffer.from('x123456789y'), 1, 10)).toBe(0xcbf43926);
  });

  it('takes the checksum a reader remembered for exactly that memory, once, and only for ranges from 256 KiB', () => {
    const size = REMEMBERED_CHECKSUM_FROM_BYTES;
    const buffer = Buffer.alloc(size + 100, 7);
    const range = buffer.subarray(50, 50 + size);
    const actual = crc32(range);
    // A value no range of these bytes has shows which answers came from the memory.
    const recorded = (actual ^ 0xffffffff) >>> 0;
    rememberChecksum(buffer, 50, 50 + size, recorded);
    expect(checksumRange(buffer, 50, 49 + size)).toBe(crc32(buffer.subarray(50, 49 + size)));
    expect(checksum(buffer.subarray(51, 51 + size))).toBe(crc32(buffer.subarray(51, 51 + size)));
    expect(checksum(range, 1)).toBe(crc32(range, 1));
    expect(checksum(range)).toBe(recorded);
    expect(checksum(range)).toBe(actual);
    rememberChecksum(buffer, 50, 50 + size, recorded);
    expect(checksumRange(buffer, 50, 50 + size)).toBe(recorded);
    expect(checksumRange(buffer, 50, 50 + size)).toBe(actual);
    const small = Buffer.alloc(size - 1, 3);
    rememberChecksum(small, 0, small.length, 1);
    expect(checksum(small)).toBe(crc32(small));
  });
});
