/**
 * Argument checks shared by every public entry point, so each rule has one wording.
 * @module
 */
import { describeValue, InvalidArgumentError } from './errors.js';

/** Largest sequence number, revision or timestamp Memento accepts. */
export const MAX_SEQUENCE_NR = Number.MAX_SAFE_INTEGER;

/** Context added to every argument error. */
export interface ArgumentContext {
  persistenceId?: string | undefined;
  source?: string | undefined;
}

function fail(argument: string, expected: string, value: unknown, context: ArgumentContext): never {
  const who = context.persistenceId === undefined ? '' : ` (persistence id ${JSON.stringify(context.persistenceId)})`;
  throw new InvalidArgumentError(argument, `${argument}${who}: expected ${expected}, found ${describeValue(value)}`, {
    persistenceId: context.persistenceId,
    expected,
    actual: value,
    source: context.source,
  });
}

/**
 * Checks an integer in `[min, MAX_SEQUENCE_NR]`. With `allowInfinity`, `Infinity` is accepted
 * and returned as `MAX_SEQUENCE_NR`, so "no upper bound" reads naturally at call sites.
 */
export function validateInteger(
  value: unknown,
  argument: string,
  context: ArgumentContext = {},
  options: { min?: number; allowInfinity?: boolean } = {},
): number {
  const min = options.min ?? 0;
  if (options.allowInfinity && value === Number.POSITIVE_INFINITY) return MAX_SEQUENCE_NR;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const range = options.allowInfinity ? `, or Infinity` : '';
    fail(argument, `an integer >= ${min}${range}`, value, context);
  }
  return value;
}

/** Checks a sequence number (>= 1, or >= `min`). */
export function validateSequenceNr(value: unknown, argument: string, context: ArgumentContext = {}, min = 1): number {
  return validateInteger(value, argument, context, { min });
}

/** Checks a timestamp in epoch milliseconds (a non-negative integer). */
export function validateTimestamp(value: unknown, argument: string, context: ArgumentContext = {}): number {
  return validateInteger(value, argument, context, { min: 0 });
}

/** Checks that a value is a plain object (or undefined when optional). */
export function validateOptionalObject(value: unknown, argument: string, context: ArgumentContext = {}): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(argument, 'an object or undefined', value, context);
  }
}

/** Checks an optional array of non-empty strings (tags). */
export function validateTags(value: unknown, argument: string, context: ArgumentContext = {}): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail(argument, 'an array of non-empty strings or undefined', value, context);
  value.forEach((tag, index) => {
    if (typeof tag !== 'string' || tag.length === 0) fail(`${argument}[${index}]`, 'a non-empty string', tag, context);
  });
  return value as string[];
}

/** Checks an optional non-empty string. */
export function validateOptionalString(value: unknown, argument: string, context: ArgumentContext = {}): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) fail(argument, 'a non-empty string or undefined', value, context);
}

/** Throws unless `value` is a function. */
export function validateFunction(value: unknown, argument: string, context: ArgumentContext = {}): void {
  if (typeof value !== 'function') fail(argument, 'a function', value, context);
}

/** Shared failure for checks too specific to deserve a helper. */
export function invalidArgument(argument: string, expected: string, value: unknown, context: ArgumentContext = {}): never {
  return fail(argument, expected, value, context);
}

/**
 * A copy of an options object without its `undefined` entries, so `{ region:
 * process.env.REGION }` with the variable unset means "no region given" and a default
 * spread before it survives, instead of being overwritten with `undefined`.
 */
export function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
