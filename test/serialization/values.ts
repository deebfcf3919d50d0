/** Arbitrary values for the serializer properties: what must round-trip, and what must be refused. */
import fc from 'fast-check';

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
