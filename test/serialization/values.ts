/** Arbitrary values for the serializer properties: what must round-trip, and what must be refused. */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect } from 'vitest';
import { firstDifference } from '../../src/serialization/round-trip.js';

/** A user class: its instances must be refused, never stored as plain objects. */
export class Point {
  constructor(
    readonly x = 1,
    readonly y = 2,
  ) {}
}

/** Values the JSON serializer must give back exactly, nested anywhere: Map, Set, Date, BigInt, NaN, -0, undefined, holes, typed arrays. */
export const representable = fc.anything({
  withMap: true,
  withSet: true,
  withDate: true,
  withBigInt: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  withBoxedValues: false,
  withObjectString: false,
  maxDepth: 3,
});

/** Leaves the serializer must refuse: functions, symbols, class instances. */
const unrepresentableLeaf = fc.oneof(
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.constant(new Point()),
  fc.constant(/regex/),
  fc.constant(new Error('e')),
  fc.constant(new (class Anonymous {})()),
);

/** Representable values with an unrepresentable leaf somewhere inside. */
export const unrepresentable = fc.tuple(representable, unrepresentableLeaf, fc.nat(3)).map(([value, leaf, depth]) => {
  let wrapped: unknown = leaf;
  for (let level = 0; level < depth; level++) wrapped = level % 2 === 0 ? { inner: wrapped, value } : [value, wrapped];
  return wrapped;
});

/** Either kind, labelled with whether a store must keep it. */
export const anyValue = fc.oneof(
  { weight: 3, arbitrary: representable.map((value) => ({ value, keepable: true })) },
  { weight: 1, arbitrary: unrepresentable.map((value) => ({ value, keepable: false })) },
);

/**
 * True when `value` holds a Date whose time is NaN: Node's isDeepStrictEqual finds two
 * invalid Dates unequal (it compares getTime() with ===), so for those values only the
 * library's own strict comparison (checkRoundTrip) judges.
 */
export function holdsInvalidDate(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Date) return Number.isNaN(value.getTime());
  if (value instanceof Map) return [...value].some(([key, entry]) => holdsInvalidDate(key, seen) || holdsInvalidDate(entry, seen));
  if (value instanceof Set) return [...value].some((item) => holdsInvalidDate(item, seen));
  if (ArrayBuffer.isView(value)) return false;
  return Object.values(value).some((item) => holdsInvalidDate(item, seen));
}

/** The same value exactly: the library's comparison (it names the path), and Node's as an independent check. */
export function expectSameValue(back: unknown, live: unknown): void {
  expect(firstDifference(live, back, 'value')).toBeUndefined();
  if (!holdsInvalidDate(live)) expect(isDeepStrictEqual(back, live)).toBe(true);
}
