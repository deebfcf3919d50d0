/**
 * The default serializer's rules: which values JSON keeps as they are, how the rest is
 * tagged so it comes back exactly, and which values are refused (naming their path).
 *
 * A value holding only JSON's own kinds (strings, finite numbers other than -0, booleans,
 * null, plain objects, dense arrays) is stored as plain JSON. A value holding any of
 * `undefined`, NaN, ±Infinity, -0, BigInt, Date, Map, Set, typed arrays, ArrayBuffer, sparse
 * arrays or null-prototype objects is stored in a tagged form: plain JSON in which each of
 * those is a one-key object such as `{"$map":[[key,value],...]}`, still readable. Functions,
 * symbols, cycles and instances of other classes are refused. As with JSON and
 * structuredClone, an object's data is its own enumerable string-keyed properties: symbol
 * keys are not looked for (that check alone cost as much as the rest of the walk).
 * @module
 */
import { SerializationError } from '../core/errors.js';

/** Why a value cannot be stored, and where it sits inside the value (`.items[2]`). */
export class UnrepresentableValueError extends SerializationError {
  /** Where the value sits, relative to the root: `.items[2].at`, '' for the root itself. */
  readonly path: string;
  /** What was found: `a function`, `an instance of class User`. */
  readonly found: string;

  /** Which serializer refused: `JSON`, `MessagePack`. */
  readonly serializer: string;

  constructor(path: string, found: string, serializer = 'JSON') {
    super(`value${path} is ${found}, which the ${serializer} serializer cannot give back as it was`, {
      expected: `a value the ${serializer} serializer round-trips exactly`,
      actual: found,
    });
    this.path = path;
    this.found = found;
    this.serializer = serializer;
  }

  /** The same refusal with the path prefixed by an outer segment. */
  within(segment: string): UnrepresentableValueError {
    return new UnrepresentableValueError(segment + this.path, this.found, this.serializer);
  }

  /** The message with `root` naming the value (`event`, `state`). */
  describe(root: string): string {
    return `${root}${this.path} is ${this.found}`;
  }
}

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;
type ByteContainerName = TypedArrayName | 'Buffer' | 'ArrayBuffer';

const typedArrayNames = new Map<object, TypedArrayName>(
  Object.entries(TYPED_ARRAYS).map(([name, type]) => [type.prototype, name as TypedArrayName]),
);

/** Nesting beyond which ancestors are checked for a cycle (shallower ones reach it when cyclic). */
export const CYCLE_CHECK_DEPTH = 64;

/** A path segment for an object key: `.name` or `["odd key"]`. */
export function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Names a value's kind for messages: `a Map`, `an instance of class User`, `a function`. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype ? 'an array' : `an instance of ${className(value)}`;
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return Number.isNaN(value) ? 'NaN' : Object.is(value, -0) ? '-0' : Number.isFinite(value) ? 'a number' : String(value);
    case 'bigint':
      return 'a BigInt';
    case 'string':
    case 'boolean':
    case 'symbol':
      return `a ${typeof value}`;
    case 'function':
      return 'a function';
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Object.prototype) return 'a plain object';
  if (prototype === null) return 'an object without prototype';
  const name = className(value);
  return BUILT_IN_NAMES.has(name) ? `a ${name}` : `an instance of ${name}`;
}

const BUILT_IN_NAMES = new Set(['Map', 'Set', 'Date', 'RegExp', 'Error', 'Promise', 'WeakMap', 'WeakSet', 'URL', 'DataView', 'Buffer']);
for (const name of [...Object.keys(TYPED_ARRAYS), 'ArrayBuffer', 'SharedArrayBuffer']) BUILT_IN_NAMES.add(name);

function className(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== 'string' || name === '') return 'an anonymous class';
  return BUILT_IN_NAMES.has(name) || ['Number', 'String', 'Boolean', 'Object', 'Array'].includes(name) ? name : `class ${name}`;
}

/** The byte container name of a value, or undefined when it is none. */
export function byteContainer(prototype: object): ByteContainerName | undefined {
  if (prototype === Buffer.prototype) return 'Buffer';
  if (prototype === ArrayBuffer.prototype) return 'ArrayBuffer';
  return typedArrayNames.get(prototype);
}

/**
 * Walks `value`: true when it needs the tagged form, false when plain JSON keeps it exactly;
 * throws {@link UnrepresentableValueError} naming the path of the first value it must refuse.
 */
export function needsTags(value: unknown, ancestors: object[] = []): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      return value === 0 ? Object.is(value, -0) : !Number.isFinite(value);
    case 'bigint':
    case 'undefined':
      return true;
    case 'function':
      throw new UnrepresentableValueError('', 'a function');
    case 'symbol':
      throw new UnrepresentableValueError('', 'a symbol');
  }
  if (value === null) return false;
  const object = value as object;
  if (ancestors.length >= CYCLE_CHECK_DEPTH && ancestors.includes(object))
    throw new UnrepresentableValueError('', 'a cycle back to an enclosing value');
  const prototype = Object.getPrototypeOf(object);
  ancestors.push(object);
  try {
    if (prototype === Array.prototype) return arrayNeedsTags(object as unknown[], ancestors);
    if (prototype === Object.prototype || prototype === null) {
      let tagged = prototype === null;
      // One try around the loop (not one per key): the key at fault is the last one started.
      let current = '';
      try {
        for (const key in object) {
          current = key;
          if (needsTags((object as Record<string, unknown>)[key], ancestors)) tagged = true;
        }
      } catch (error) {
        throw error instanceof UnrepresentableValueError ? error.within(keySegment(current)) : error;
      }
      return tagged;
    }
    if (prototype === Date.prototype) return true;
    if (prototype === Map.prototype) {
      let index = 0;
      for (const [key, entry] of object as Map<unknown, unknown>) {
        try {
          needsTags(key, ancestors);
        } catch (error) {
          throw error instanceof UnrepresentableValueError ? error.within(`<key ${index} of the Map>`) : error;
        }
        try {
          needsTags(entry, ancestors);
        } catch (error) {
          throw error instanceof UnrepresentableValueError ? error.within(`.get(${mapKeyText(key, index)})`) : error;
        }
        index++;
      }
      return true;
    }
    if (prototype === Set.prototype) {
      let index = 0;
      for (const item of object as Set<unknown>) {
        try {
          needsTags(item, ancestors);
        } catch (error) {
          throw error instanceof UnrepresentableValueError ? error.within(`<item ${index} of the Set>`) : error;
        }
        index++;
      }
      return true;
    }
    if (byteContainer(prototype) !== undefined) return true;
    throw new UnrepresentableValueError('', kindOf(object));
  } finally {
    ancestors.pop();
  }
}

function arrayNeedsTags(array: unknown[], ancestors: object[]): boolean {
  let tagged = false;
  let index = 0;
  try {
    for (; index < array.length; index++) {
      const item = array[index];
      if (item === undefined && !(index in array))
        tagged = true; // a hole
      else if (needsTags(item, ancestors)) tagged = true;
    }
  } catch (error) {
    throw error instanceof UnrepresentableValueError ? error.within(`[${index}]`) : error;
  }
  return tagged;
}

export function mapKeyText(key: unknown, index: number): string {
  return typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)) ? JSON.stringify(key) : `<key ${index}>`;
}

const TAGS = ['$undefined', '$number', '$bigint', '$date', '$map', '$set', '$bytes', '$sparse', '$bare', '$escape'] as const;
const TAG_SET = new Set<string>(TAGS);

/** The key of a one-key object whose key starts with `$`, else undefined. */
function singleDollarKey(object: object): string | undefined {
  let only: string | undefined;
  for (const key in object) {
    if (only !== undefined) return undefined;
    only = key;
  }
  return only !== undefined && only.charCodeAt(0) === 36 /* $ */ ? only : undefined;
}

function bytesOf(value: ArrayBufferView | ArrayBuffer): Buffer {
  return value instanceof ArrayBuffer ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** The tagged JSON-ready form of a value {@link needsTags} accepted. */
export function toTagged(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $number: Object.is(value, -0) ? '-0' : String(value) };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) {
    const array = value as unknown[];
    let dense = true;
    for (let index = 0; index < array.length; index++) {
      if (array[index] === undefined && !(index in array)) {
        dense = false;
        break;
      }
    }
    if (dense) return array.map(toTagged);
    const items: Record<string, unknown> = {};
    array.forEach((item, index) => {
      items[index] = toTagged(item);
    });
    return { $sparse: { length: array.length, items } };
  }
  if (prototype === Object.prototype || prototype === null) {
    const out: Record<string, unknown> = {};
    for (const key in value) {
      const tagged = toTagged((value as Record<string, unknown>)[key]);
      if (key === '__proto__') Object.defineProperty(out, key, { value: tagged, enumerable: true, writable: true, configurable: true });
      else out[key] = tagged;
    }
    if (prototype === null) return { $bare: out };
    return singleDollarKey(out) !== undefined ? { $escape: out } : out;
  }
  if (prototype === Date.prototype) {
    const time = (value as Date).getTime();
    return { $date: Number.isNaN(time) ? null : (value as Date).toISOString() };
  }
  if (prototype === Map.prototype) return { $map: [...(value as Map<unknown, unknown>)].map(([k, v]) => [toTagged(k), toTagged(v)]) };
  if (prototype === Set.prototype) return { $set: [...(value as Set<unknown>)].map(toTagged) };
  const container = byteContainer(prototype) as ByteContainerName;
  return { $bytes: [container, bytesOf(value as ArrayBufferView | ArrayBuffer).toString('base64')] };
}

/** Rebuilds a value from its tagged form (the parsed JSON, reused in place where possible). */
export function fromTagged(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = fromTagged(value[index]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const tag = singleDollarKey(record);
  if (tag !== undefined && TAG_SET.has(tag)) return untag(tag as (typeof TAGS)[number], record[tag]);
  return reviveFields(record);
}

function reviveFields(record: Record<string, unknown>): Record<string, unknown> {
  for (const key in record) {
    const revived = fromTagged(record[key]);
    if (revived === record[key]) continue;
    if (key === '__proto__') Object.defineProperty(record, key, { value: revived, enumerable: true, writable: true, configurable: true });
    else record[key] = revived;
  }
  return record;
}

function untag(tag: (typeof TAGS)[number], body: unknown): unknown {
  switch (tag) {
    case '$undefined':
      return undefined;
    case '$number':
      return body === '-0' ? -0 : Number(body);
    case '$bigint':
      return BigInt(body as string);
    case '$date':
      return new Date(body === null ? Number.NaN : (body as string));
    case '$map':
      return new Map((body as [unknown, unknown][]).map(([key, entry]) => [fromTagged(key), fromTagged(entry)]));
    case '$set':
      return new Set((body as unknown[]).map(fromTagged));
    case '$bytes': {
      const [name, base64] = body as [ByteContainerName, string];
      const bytes = Buffer.from(base64, 'base64');
      if (name === 'Buffer') return bytes;
      const copy = new Uint8Array(bytes).buffer;
      if (name === 'ArrayBuffer') return copy;
      const type = TYPED_ARRAYS[name];
      if (type === undefined) throw new TypeError(`unknown byte container ${JSON.stringify(name)} in a $bytes tag`);
      return new type(copy);
    }
    case '$sparse': {
      const { length, items } = body as { length: number; items: Record<string, unknown> };
      const array = new Array<unknown>(length);
      for (const key in items) array[Number(key)] = fromTagged(items[key]);
      return array;
    }
    case '$bare':
      return Object.assign(Object.create(null), reviveFields(body as Record<string, unknown>));
    case '$escape':
      return reviveFields(body as Record<string, unknown>);
  }
}
