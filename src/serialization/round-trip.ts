/**
 * Does a value survive a serializer unchanged? One check for the library's own tests and the
 * test kit: serialize, read back, and compare strictly (types, prototypes, -0, NaN, holes,
 * Map and Set order), naming the path of the first difference.
 * @module
 */
import { SerializationError } from '../core/errors.js';
import { JsonSerializer } from './json-serializer.js';
import { Serialization } from './serialization.js';
import type { Serializer } from './serializer.js';
import { keySegment, kindOf, UnrepresentableValueError } from './tagged-json.js';

/** Why a value does not survive a serializer. */
export interface RoundTripProblem {
  /** Where, from the root: `state.items`, `event.at[2]`. */
  readonly path: string;
  /** The whole explanation: `state.items is a Map, read back as a plain object`. */
  readonly message: string;
  /** True when the serializer refused the value; false when it changed it silently. */
  readonly refused: boolean;
}

/** Options of {@link checkRoundTrip}. */
export interface RoundTripOptions {
  /** Names the value in paths. @default 'value' */
  readonly root?: string;
}

function encodeWith(serializer: Serializer, value: unknown): unknown {
  if (serializer.encode) {
    const { manifest, bytes } = serializer.encode(value);
    return serializer.fromBinary(bytes, manifest);
  }
  const manifest = serializer.manifest(value);
  return serializer.fromBinary(serializer.toBinary(value), manifest);
}

/**
 * Serializes `value` with `serializer` (a `Serializer`, or a whole `Serialization` with its
 * envelope; default: the JSON serializer), reads it back, and returns undefined when the
 * result equals the value exactly, else what went wrong and where.
 *
 * @example
 * checkRoundTrip({ items: new Map() }, new MessagePackSerializer(), { root: 'state' }); // undefined
 */
export function checkRoundTrip(
  value: unknown,
  serializer: Serializer | Serialization = new JsonSerializer(),
  options: RoundTripOptions = {},
): RoundTripProblem | undefined {
  const root = options.root ?? 'value';
  let back: unknown;
  try {
    back = serializer instanceof Serialization ? serializer.deserialize(serializer.serialize(value)).value : encodeWith(serializer, value);
  } catch (error) {
    const refusal = findRefusal(error);
    if (refusal) return { path: root + refusal.path, message: refusal.describe(root), refused: true };
    const reason = error instanceof Error ? error.message : String(error);
    return { path: root, message: `${root} cannot be serialized: ${reason}`, refused: true };
  }
  return firstDifference(value, back, root);
}

/**
 * Throws {@link SerializationError} naming the path when `value` does not survive
 * `serializer` exactly (see {@link checkRoundTrip}).
 */
export function assertSerializable(
  value: unknown,
  serializer: Serializer | Serialization = new JsonSerializer(),
  options: RoundTripOptions = {},
): void {
  const problem = checkRoundTrip(value, serializer, options);
  if (problem) {
    throw new SerializationError(problem.message, {
      expected: 'a value the serializer gives back exactly',
      actual: problem.path,
    });
  }
}

function findRefusal(error: unknown): UnrepresentableValueError | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth++) {
    if (cause instanceof UnrepresentableValueError) return cause;
  }
  return undefined;
}

const differs = (path: string, live: unknown, back: unknown, detail = ''): RoundTripProblem => ({
  path,
  message: `${path} is ${describe(live)}, read back as ${describe(back)}${detail}`,
  refused: false,
});

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0)) return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  return kindOf(value);
}

/**
 * The first place where `back` differs from `live`, strictly: same kinds and prototypes,
 * `Object.is` for numbers, the same holes, keys, Map and Set entries in the same order.
 */
export function firstDifference(live: unknown, back: unknown, path: string): RoundTripProblem | undefined {
  if (Object.is(live, back)) return undefined;
  if (typeof live !== 'object' || live === null || typeof back !== 'object' || back === null) return differs(path, live, back);
  const prototype = Object.getPrototypeOf(live);
  if (prototype !== Object.getPrototypeOf(back)) return differs(path, live, back);
  if (Array.isArray(live)) return arrayDifference(live, back as unknown[], path);
  if (live instanceof Date)
    return Object.is(live.getTime(), (back as Date).getTime()) ? undefined : differs(path, live, back, ' of another time');
  if (live instanceof Map) return entriesDifference([...live], [...(back as Map<unknown, unknown>)], path, 'Map');
  if (live instanceof Set) return entriesDifference([...live], [...(back as Set<unknown>)], path, 'Set');
  if (ArrayBuffer.isView(live) || live instanceof ArrayBuffer) {
    const a = Buffer.from(
      live instanceof ArrayBuffer ? live : live.buffer,
      live instanceof ArrayBuffer ? 0 : live.byteOffset,
      live.byteLength,
    );
    const view = back as ArrayBufferView | ArrayBuffer;
    const b = Buffer.from(
      view instanceof ArrayBuffer ? view : view.buffer,
      view instanceof ArrayBuffer ? 0 : view.byteOffset,
      view.byteLength,
    );
    return a.equals(b) ? undefined : differs(path, live, back, ' with other bytes');
  }
  return objectDifference(live as Record<string, unknown>, back as Record<string, unknown>, path);
}

function arrayDifference(live: unknown[], back: unknown[], path: string): RoundTripProblem | undefined {
  if (live.length !== back.length) return differs(path, live, back, ` of length ${back.length} instead of ${live.length}`);
  for (let index = 0; index < live.length; index++) {
    const at = `${path}[${index}]`;
    if (index in live !== index in back) {
      return {
        path: at,
        message: `${at} is ${index in live ? describe(live[index]) : 'a hole'}, read back as ${index in back ? describe(back[index]) : 'a hole'}`,
        refused: false,
      };
    }
    const difference = firstDifference(live[index], back[index], at);
    if (difference) return difference;
  }
  return undefined;
}

function entriesDifference(live: unknown[], back: unknown[], path: string, kind: 'Map' | 'Set'): RoundTripProblem | undefined {
  if (live.length !== back.length) return differs(path, live, back, ` of ${back.length} entries instead of ${live.length}`);
  for (let index = 0; index < live.length; index++) {
    const difference =
      kind === 'Map'
        ? (firstDifference((live[index] as unknown[])[0], (back[index] as unknown[])[0], `${path}<key ${index} of the Map>`) ??
          firstDifference((live[index] as unknown[])[1], (back[index] as unknown[])[1], `${path}<value ${index} of the Map>`))
        : firstDifference(live[index], back[index], `${path}<item ${index} of the Set>`);
    if (difference) return difference;
  }
  return undefined;
}

function objectDifference(live: Record<string, unknown>, back: Record<string, unknown>, path: string): RoundTripProblem | undefined {
  const liveKeys = Object.keys(live);
  const backKeys = Object.keys(back);
  for (const key of liveKeys) {
    if (!Object.hasOwn(back, key))
      return {
        path: path + keySegment(key),
        message: `${path}${keySegment(key)} is ${describe(live[key])}, and is missing once read back`,
        refused: false,
      };
    const difference = firstDifference(live[key], back[key], path + keySegment(key));
    if (difference) return difference;
  }
  const extra = backKeys.find((key) => !Object.hasOwn(live, key));
  if (extra !== undefined)
    return {
      path: path + keySegment(extra),
      message: `${path}${keySegment(extra)} is absent, read back as ${describe(back[extra])}`,
      refused: false,
    };
  const symbols = Object.getOwnPropertySymbols(live).length;
  if (symbols !== Object.getOwnPropertySymbols(back).length)
    return { path, message: `${path} has ${symbols} symbol keys, lost once read back`, refused: false };
  return undefined;
}
