/**
 * The one definition of a valid persistence id, and the one encoding of ids into keys
 * and file names.
 * @module
 */
import { describeValue, InvalidPersistenceIdError } from './errors.js';

/** A persistence id: non-empty, at most 255 UTF-8 bytes, no control characters. */
export type PersistenceId = string;

/** Longest persistence id, in UTF-8 bytes. */
export const MAX_PERSISTENCE_ID_BYTES = 255;

// C0 controls, DEL and C1 controls: invisible in logs, unsafe in keys and file names.
// TextEncoder rather than Buffer: this module also runs in the browser inspector.
const utf8 = new TextEncoder();
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Throws {@link InvalidPersistenceIdError} unless `value` is a valid persistence id.
 * `argument` names the parameter in the message (e.g. `metadata.persistenceId`).
 */
export function validatePersistenceId(value: unknown, argument = 'persistenceId'): asserts value is PersistenceId {
  if (typeof value !== 'string') {
    throw new InvalidPersistenceIdError(`${argument}: expected a non-empty string, found ${describeValue(value)}`, {
      expected: 'string',
      actual: value,
    });
  }
  if (value.length === 0) failId(value, argument, 'expected a non-empty string, found an empty one', 'non-empty string');
  const control = CONTROL_CHARACTER.exec(value);
  if (control) {
    const codePoint = control[0].codePointAt(0) ?? 0;
    failId(
      value,
      argument,
      `expected no control characters, found U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at index ${control.index}`,
      'no control characters',
    );
  }
  if (!value.isWellFormed()) failId(value, argument, 'expected well-formed Unicode, found a lone surrogate', 'well-formed Unicode');
  // Every UTF-16 code unit of a well-formed string takes at most 3 UTF-8 bytes, so a short id
  // is within the limit without encoding it: this check runs on every persisted event.
  if (value.length * 3 <= MAX_PERSISTENCE_ID_BYTES) return;
  const bytes = utf8.encode(value).length;
  if (bytes > MAX_PERSISTENCE_ID_BYTES) {
    failId(
      value,
      argument,
      `expected at most ${MAX_PERSISTENCE_ID_BYTES} UTF-8 bytes, found ${bytes}`,
      `<= ${MAX_PERSISTENCE_ID_BYTES} bytes`,
    );
  }
}

function failId(value: string, argument: string, problem: string, expected: string): never {
  throw new InvalidPersistenceIdError(`${argument} ${describeValue(value)}: ${problem}`, {
    persistenceId: value,
    expected,
    actual: value,
  });
}

const KEY_SAFE = /^[a-z0-9_-]$/;

/**
 * Encodes a persistence id into a string of `[a-z0-9_-]` and `%XX` escapes (uppercase hex
 * of the UTF-8 bytes). Every other character, uppercase letters and `.` included, is
 * escaped, so the result cannot contain `/`, `.` or `..`, cannot escape a prefix, and two
 * ids never collide even on case-insensitive file systems. Reversible with
 * {@link decodePersistenceIdFromKey}.
 */
export function encodePersistenceIdForKey(persistenceId: PersistenceId): string {
  validatePersistenceId(persistenceId);
  let out = '';
  for (const char of persistenceId) {
    if (KEY_SAFE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of utf8.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of {@link encodePersistenceIdForKey}; rejects strings it could not have produced. */
export function decodePersistenceIdFromKey(encoded: string): PersistenceId {
  if (!/^(?:[a-z0-9_-]|%[0-9A-F]{2})+$/.test(encoded)) {
    throw new InvalidPersistenceIdError(`encoded persistence id ${describeValue(encoded)} is not in the key encoding`, {
      expected: '[a-z0-9_-] or %XX escapes',
      actual: encoded,
    });
  }
  const decoded = decodeURIComponent(encoded);
  validatePersistenceId(decoded, 'decoded persistence id');
  return decoded;
}

/**
 * Orders persistence ids by code point, as SQL stores do (byte order of UTF-8 text), so
 * listings merged from several stores page consistently.
 */
export function comparePersistenceIds(a: PersistenceId, b: PersistenceId): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The page of `ids` after `afterId` (exclusive), ascending by code point, at most `limit`. */
export function pageOfIds(ids: Iterable<PersistenceId>, afterId: PersistenceId | undefined, limit: number): PersistenceId[] {
  const after = [...ids].filter((id) => afterId === undefined || comparePersistenceIds(id, afterId) > 0);
  return after.sort(comparePersistenceIds).slice(0, limit);
}
