/**
 * Values as JSON, exactly: what JSON cannot carry (bigint, undefined, Date, Map, Set,
 * bytes, NaN, -0) becomes a tagged object `{ "$type": ... }`, so the inspector never
 * shows a value other than the one stored. Shared by the server (encoding) and the page
 * (the {@link JsonView} type it renders); imports no node:* module.
 * @module
 */

/** A tagged stand-in for a value JSON cannot carry. */
export type TaggedValue =
  | { readonly $type: 'undefined' }
  | { readonly $type: 'number'; readonly value: 'NaN' | 'Infinity' | '-Infinity' | '-0' }
  | { readonly $type: 'bigint'; readonly value: string }
  | { readonly $type: 'Date'; readonly value: string }
  | { readonly $type: 'RegExp'; readonly value: string }
  | { readonly $type: 'bytes'; readonly length: number; readonly hex: string }
  | { readonly $type: 'Map'; readonly entries: readonly (readonly [JsonView, JsonView])[] }
  | { readonly $type: 'Set'; readonly values: readonly JsonView[] }
  /** A plain object whose own keys include `$type`, kept apart from the tags. */
  | { readonly $type: 'object'; readonly value: { readonly [key: string]: JsonView } }
  | { readonly $type: 'cycle' }
  | { readonly $type: 'unsupported'; readonly value: string };

/** A value encoded by {@link toJsonView}. */
export type JsonView = null | boolean | number | string | readonly JsonView[] | { readonly [key: string]: JsonView } | TaggedValue;

/** True for the tagged objects of {@link TaggedValue}. */
export function isTaggedValue(value: unknown): value is TaggedValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { $type?: unknown }).$type === 'string';
}

const hexOf = (bytes: Uint8Array): string => {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
};

/** Encodes any value as JSON-safe data that keeps it exactly (see {@link TaggedValue}). */
export function toJsonView(value: unknown, seen: Set<object> = new Set()): JsonView {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isNaN(value)) return { $type: 'number', value: 'NaN' };
      if (value === Number.POSITIVE_INFINITY) return { $type: 'number', value: 'Infinity' };
      if (value === Number.NEGATIVE_INFINITY) return { $type: 'number', value: '-Infinity' };
      if (Object.is(value, -0)) return { $type: 'number', value: '-0' };
      return value;
    case 'bigint':
      return { $type: 'bigint', value: value.toString() };
    case 'undefined':
      return { $type: 'undefined' };
    case 'object':
      return value === null ? null : objectView(value, seen);
    default:
      return { $type: 'unsupported', value: String(value) };
  }
}

function objectView(value: object, seen: Set<object>): JsonView {
  if (seen.has(value)) return { $type: 'cycle' };
  if (value instanceof Date) return { $type: 'Date', value: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString() };
  if (value instanceof RegExp) return { $type: 'RegExp', value: String(value) };
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { $type: 'bytes', length: bytes.length, hex: hexOf(bytes) };
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJsonView(item, seen));
    if (value instanceof Map)
      return { $type: 'Map', entries: [...value].map(([k, v]) => [toJsonView(k, seen), toJsonView(v, seen)] as const) };
    if (value instanceof Set) return { $type: 'Set', values: [...value].map((item) => toJsonView(item, seen)) };
    // fromEntries defines own properties, so a key named __proto__ stays a key.
    const encoded = Object.fromEntries(Object.keys(value).map((key) => [key, toJsonView((value as Record<string, unknown>)[key], seen)]));
    return Object.hasOwn(value, '$type') ? { $type: 'object', value: encoded } : encoded;
  } finally {
    seen.delete(value);
  }
}
