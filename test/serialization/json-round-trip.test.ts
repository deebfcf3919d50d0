/** The default JSON serializer gives every value back exactly, or refuses it naming the path. */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertSerializable,
  checkRoundTrip,
  decodeEnvelope,
  JsonSerializer,
  MessagePackSerializer,
  Serialization,
  SerializationError,
  TAGGED_JSON_MANIFEST,
} from '../../src/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { envelopesV1 } from './fixtures/envelope-v1.js';
import { expectSameValue, Point, representable, unrepresentable } from './values.js';

const context = { persistenceId: 'cart-1', sequenceNr: 4, what: 'state' as const };
const serialization = new Serialization();
const roundTrip = (value: unknown) => serialization.deserialize(serialization.serialize(value, context), context).value;

describe('the JSON serializer round-trips what plain JSON would change', () => {
  const cases: [string, unknown][] = [
    [
      'a Map',
      {
        items: new Map<unknown, unknown>([
          ['a', 1],
          [2, { b: new Set([3]) }],
        ]),
      },
    ],
    ['a Set', new Set(['x', 'y'])],
    ['a Date', [new Date(1_700_000_000_123), new Date(-8.64e15)]],
    ['NaN, Infinity, -Infinity and -0', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]],
    ['a BigInt', { big: 2n ** 70n, negative: -5n }],
    ['undefined in arrays and objects', [undefined, { a: undefined }]],
    // biome-ignore lint/suspicious/noSparseArray: the case under test
    ['a sparse array', [1, , 3]],
    [
      'typed arrays, a Buffer and an ArrayBuffer',
      [new Float64Array([-0, 1.5]), new BigInt64Array([1n]), Buffer.from('hi'), new Uint8Array([1]).buffer],
    ],
    ['an object without prototype', Object.assign(Object.create(null), { a: 1 })],
    ['user objects that look like tags', [{ $map: [[1, 2]] }, { $escape: { $date: 'x' } }, { $other: new Map() }]],
    ['an own __proto__ key, plain', JSON.parse('{"__proto__": {"x": 1}}')],
    ['an own __proto__ key, tagged', { outer: JSON.parse('{"__proto__": {"x": 1}}'), tagged: new Set([1]) }],
    ['undefined itself', undefined],
  ];

  it.each(cases)('%s', (_label, value) => {
    // The library's own strict comparison (it names the path), then Node's as an independent check.
    expect(checkRoundTrip(value, serialization)).toBeUndefined();
    expect(isDeepStrictEqual(roundTrip(value), value)).toBe(true);
  });

  it('an invalid Date', () => {
    const back = roundTrip({ at: new Date(Number.NaN) }) as { at: Date };
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.getTime()).toBeNaN();
  });

  it('keeps plain values plain JSON (manifest ""), readable as before', () => {
    const bytes = serialization.serialize({ a: [1, 'x', null, true] }, context);
    const parts = decodeEnvelope(bytes);
    expect(parts.manifest).toBe('');
    expect(Buffer.from(parts.payload).toString()).toBe('{"a":[1,"x",null,true]}');
  });

  it('stores the others as readable tagged JSON', () => {
    const parts = decodeEnvelope(serialization.serialize({ items: new Map([['a', 1]]), at: new Date(0) }, context));
    expect(parts.manifest).toBe(TAGGED_JSON_MANIFEST);
    expect(Buffer.from(parts.payload).toString()).toBe('{"items":{"$map":[["a",1]]},"at":{"$date":"1970-01-01T00:00:00.000Z"}}');
  });

  it('reads plain JSON written before tags existed as it always did', () => {
    const old = Buffer.from(envelopesV1.jsonEvent, 'hex');
    expect(serialization.deserialize(old, { persistenceId: 'cart-1', sequenceNr: 2, what: 'event' }).value).toEqual({
      type: 'added',
      amount: 3,
      note: 'café',
    });
    // An old plain payload that happens to look like a tag stays what it was.
    const json = new JsonSerializer();
    expect(json.fromBinary(Buffer.from('{"$map":[[1,2]]}'), '')).toEqual({ $map: [[1, 2]] });
  });

  it('round-trips arbitrary nested values exactly (fast-check)', () => {
    fc.assert(
      fc.property(representable, (value) => {
        expect(checkRoundTrip(value, serialization)).toBeUndefined();
        expectSameValue(roundTrip(value), value);
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});

describe('the JSON serializer refuses what it cannot give back, naming the path', () => {
  const refusal = (value: unknown): SerializationError => {
    try {
      serialization.serialize(value, context);
    } catch (error) {
      expect(error).toBeInstanceOf(SerializationError);
      return error as SerializationError;
    }
    throw new Error('expected a refusal');
  };

  it.each([
    ['a function', { items: [{ at: () => 1 }] }, 'state.items[0].at is a function'],
    ['a symbol', { tag: Symbol('x') }, 'state.tag is a symbol'],
    ['a class instance', { owner: new Point() }, 'state.owner is an instance of class Point'],
    ['a RegExp inside a Map value', { index: new Map([['k', /x/]]) }, 'state.index.get("k") is a RegExp'],
    ['a class instance inside a Set', new Set([new Point()]), 'state<item 0 of the Set> is an instance of class Point'],
    ['an odd key', { 'a b': [() => 1] }, 'state["a b"][0] is a function'],
  ])('%s', (_label, value, message) => {
    const error = refusal(value);
    expect(error.message).toContain(message);
    expect(error.message).toContain('state 4 of "cart-1"');
    expect(error.persistenceId).toBe('cart-1');
  });

  it('symbol-keyed properties are not data (as in JSON and structuredClone); checkRoundTrip reports them', () => {
    const value = { a: 1, [Symbol('brand')]: true };
    expect(roundTrip(value)).toStrictEqual({ a: 1 });
    expect(checkRoundTrip(value, serialization, { root: 'state' })?.message).toBe('state has 1 symbol keys, lost once read back');
  });

  it('a cycle', () => {
    const cyclic: Record<string, unknown> = { a: {} };
    (cyclic.a as Record<string, unknown>).back = cyclic;
    expect(refusal(cyclic).message).toMatch(/state(\.a\.back)+ is a cycle back to an enclosing value/);
  });

  it('refuses every value holding an unrepresentable leaf (fast-check)', () => {
    fc.assert(
      fc.property(unrepresentable, (value) => {
        expect(() => serialization.serialize(value, context)).toThrow(SerializationError);
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});

describe('checkRoundTrip and assertSerializable (the check the test kit reuses)', () => {
  it('passes values a serializer gives back exactly', () => {
    expect(checkRoundTrip({ items: new Map([['a', 1]]) })).toBeUndefined();
    expect(checkRoundTrip({ at: new Date(0) }, new MessagePackSerializer())).toBeUndefined();
    expect(() => assertSerializable({ a: 1 }, serialization)).not.toThrow();
  });

  it('names the path of a refused value', () => {
    expect(checkRoundTrip({ items: [{ at: () => 1 }] }, undefined, { root: 'state' })).toEqual({
      path: 'state.items[0].at',
      message: 'state.items[0].at is a function',
      refused: true,
    });
  });

  it('names the path of a value another serializer refuses or changes silently', () => {
    const problem = checkRoundTrip({ owner: new Point() }, new MessagePackSerializer(), { root: 'event' });
    expect(problem).toMatchObject({ path: 'event.owner', refused: true });
    expect(problem?.message).toBe('event.owner is an instance of class Point');
    const lossy = {
      id: 'lossy',
      manifest: () => '',
      toBinary: (v: unknown) => Buffer.from(JSON.stringify(v)),
      fromBinary: (b: Uint8Array) => JSON.parse(Buffer.from(b).toString()),
    };
    expect(checkRoundTrip({ state: { items: new Map([['a', 1]]) } }, lossy, { root: 'state' })?.message).toBe(
      'state.state.items is a Map, read back as a plain object',
    );
    expect(checkRoundTrip([1, Number.NaN], lossy)?.message).toBe('value[1] is NaN, read back as null');
    expect(() => assertSerializable({ at: new Date(0) }, lossy, { root: 'event' })).toThrow(
      /event\.at is a Date, read back as the string "1970-01-01T00:00:00\.000Z"/,
    );
  });
});
