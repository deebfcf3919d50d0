/** Slices: the same numbers as Akka's (Java's String.hashCode modulo 1024), always 0-1023. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entityTypeOf, NUMBER_OF_SLICES, sliceOf } from '../../src/spi/slices.js';

describe('slices', () => {
  it("matches Java's String.hashCode modulo 1024 on known values", () => {
    // "hello".hashCode() is 99162322; "polygenelubricants".hashCode() is Integer.MIN_VALUE.
    expect(sliceOf('hello')).toBe(99162322 % 1024);
    expect(sliceOf('polygenelubricants')).toBe(0);
    // "Aa" and "BB" share the hash 2112.
    expect(sliceOf('Aa')).toBe(2112 % 1024);
    expect(sliceOf('BB')).toBe(sliceOf('Aa'));
  });

  it('maps every id to a slice from 0 to 1023', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (id) => {
        const slice = sliceOf(id);
        expect(Number.isInteger(slice) && slice >= 0 && slice < NUMBER_OF_SLICES).toBe(true);
      }),
    );
  });

  it('takes the entity type from the part before the first "|", or the whole id', () => {
    expect(entityTypeOf('cart|42')).toBe('cart');
    expect(entityTypeOf('cart|a|b')).toBe('cart');
    expect(entityTypeOf('plain-id')).toBe('plain-id');
    expect(entityTypeOf('|leading')).toBe('|leading');
  });
});
