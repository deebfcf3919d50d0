import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJsonView } from '../../src/inspector/json-view.js';
import { propertyRuns } from '../support/property-runs.js';

describe('toJsonView', () => {
  it('encodes any value as JSON that survives a round trip unchanged', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }),
        (value) => {
          const view = toJsonView(value);
          expect(JSON.parse(JSON.stringify(view))).toEqual(view);
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });

  it('tags what JSON cannot carry, so nothing is shown changed', () => {
    expect(
      toJsonView({ big: 12n, none: undefined, nan: Number.NaN, negativeZero: -0, when: new Date(0), bytes: new Uint8Array([1, 255]) }),
    ).toEqual({
      big: { $type: 'bigint', value: '12' },
      none: { $type: 'undefined' },
      nan: { $type: 'number', value: 'NaN' },
      negativeZero: { $type: 'number', value: '-0' },
      when: { $type: 'Date', value: '1970-01-01T00:00:00.000Z' },
      bytes: { $type: 'bytes', length: 2, hex: '01ff' },
    });
    expect(toJsonView(new Map([['a', new Set([1])]]))).toEqual({ $type: 'Map', entries: [['a', { $type: 'Set', values: [1] }]] });
    // A user object with its own $type key is kept apart from the tags.
    expect(toJsonView({ $type: 'bigint', value: '1' })).toEqual({ $type: 'object', value: { $type: 'bigint', value: '1' } });
    expect(Object.keys(toJsonView(JSON.parse('{"__proto__":{"a":1}}')) as object)).toEqual(['__proto__']);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toJsonView(cyclic)).toEqual({ self: { $type: 'cycle' } });
  });
});
