/**
 * Which values the MessagePack serializer keeps exactly. msgpackr gives back Map, Set, Date,
 * BigInt, NaN, ±Infinity, undefined and typed arrays, but stores -0 as 0, a hole as
 * undefined, an object without prototype and a class instance as plain objects, a function
 * as undefined, and renames an own `__proto__` key: those are refused here, naming their path, before anything is
 * written.
 * @module
 */
import { byteContainer, CYCLE_CHECK_DEPTH, keySegment, kindOf, mapKeyText, UnrepresentableValueError } from './tagged-json.js';

const SERIALIZER = 'MessagePack';

const refuse = (found: string): never => {
  throw new UnrepresentableValueError('', found, SERIALIZER);
};

/** Throws {@link UnrepresentableValueError} naming the first part of `value` MessagePack would change. */
export function assertMessagePackable(value: unknown, ancestors: object[] = []): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return;
    case 'number':
      if (Object.is(value, -0)) refuse('-0 (MessagePack stores it as 0)');
      return;
    case 'function':
    case 'symbol':
      refuse(kindOf(value));
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.length >= CYCLE_CHECK_DEPTH && ancestors.includes(object)) refuse('a cycle back to an enclosing value');
  const prototype = Object.getPrototypeOf(object);
  ancestors.push(object);
  try {
    if (prototype === Array.prototype) checkArray(object as unknown[], ancestors);
    else if (prototype === Object.prototype) checkFields(object as Record<string, unknown>, ancestors);
    else if (prototype === Map.prototype) checkMap(object as Map<unknown, unknown>, ancestors);
    else if (prototype === Set.prototype) checkSet(object as Set<unknown>, ancestors);
    else if (prototype !== Date.prototype && byteContainer(prototype) === undefined)
      refuse(prototype === null ? 'an object without prototype (MessagePack gives back a plain object)' : kindOf(object));
  } finally {
    ancestors.pop();
  }
}

function within(segment: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    throw error instanceof UnrepresentableValueError ? error.within(segment) : error;
  }
}

function checkArray(array: unknown[], ancestors: object[]): void {
  for (let index = 0; index < array.length; index++) {
    if (!(index in array)) refuse(`a sparse array (a hole at index ${index}, which MessagePack gives back as undefined)`);
    within(`[${index}]`, () => assertMessagePackable(array[index], ancestors));
  }
}

function checkFields(record: Record<string, unknown>, ancestors: object[]): void {
  for (const key in record) {
    // msgpackr renames an own __proto__ key (its guard against prototype pollution).
    if (key === '__proto__') refuse('an object with an own "__proto__" key (msgpackr renames it)');
    within(keySegment(key), () => assertMessagePackable(record[key], ancestors));
  }
}

function checkMap(map: Map<unknown, unknown>, ancestors: object[]): void {
  let index = 0;
  for (const [key, entry] of map) {
    within(`<key ${index} of the Map>`, () => assertMessagePackable(key, ancestors));
    within(`.get(${mapKeyText(key, index)})`, () => assertMessagePackable(entry, ancestors));
    index++;
  }
}

function checkSet(set: Set<unknown>, ancestors: object[]): void {
  let index = 0;
  for (const item of set) {
    within(`<item ${index} of the Set>`, () => assertMessagePackable(item, ancestors));
    index++;
  }
}
