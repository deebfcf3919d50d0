import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePersistenceIdFromKey,
  ErrorCodes,
  encodePersistenceIdForKey,
  InvalidPersistenceIdError,
  isMementoError,
  validatePersistenceId,
} from '../../src/index.js';

const validId = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
  .filter((id) => !/[\u0000-\u001f\u007f-\u009f]/.test(id) && Buffer.byteLength(id) <= 255);

describe('validatePersistenceId', () => {
  it('accepts ids up to 255 UTF-8 bytes', () => {
    expect(() => validatePersistenceId('x'.repeat(255))).not.toThrow();
    expect(() => validatePersistenceId('🦀'.repeat(63))).not.toThrow();
  });

  it.each([
    ['an empty string', '', 'non-empty'],
    ['a NUL character', 'a\u0000b', 'U+0000 at index 1'],
    ['a newline', 'a\nb', 'U+000A'],
    ['a C1 control', 'a\u0085b', 'U+0085'],
    ['256 bytes', 'x'.repeat(256), 'found 256'],
    ['64 four-byte characters', '🦀'.repeat(64), 'found 256'],
    ['a lone surrogate', 'a\ud800', 'lone surrogate'],
  ])('rejects %s, saying what it found', (_label, id, found) => {
    const error = (() => {
      try {
        validatePersistenceId(id);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidPersistenceIdError);
    expect(isMementoError(error, ErrorCodes.invalidPersistenceId)).toBe(true);
    expect((error as Error).message).toContain(found);
    expect((error as Error).message).toMatch(/^\[memento\] /);
  });

  it.each([[42], [null], [undefined], [{}], [['a']]])('rejects the non-string %j', (value) => {
    expect(() => validatePersistenceId(value)).toThrow(InvalidPersistenceIdError);
  });

  it('names the argument in the message', () => {
    expect(() => validatePersistenceId('', 'metadata.persistenceId')).toThrow(/metadata\.persistenceId/);
  });
});

describe('encodePersistenceIdForKey', () => {
  it('keeps only [a-z0-9_-] and %XX escapes, so no id can form a path', () => {
    for (const id of ['../x', 'a/b', '%2F', '..', '.', 'A', 'a／b', 'C:\\x']) {
      const encoded = encodePersistenceIdForKey(id);
      expect(encoded).toMatch(/^(?:[a-z0-9_-]|%[0-9A-F]{2})+$/);
      expect(encoded).not.toContain('/');
      expect(encoded).not.toContain('.');
    }
    expect(encodePersistenceIdForKey('Order-1')).toBe('%4Frder-1');
    expect(encodePersistenceIdForKey('%2F')).toBe('%252%46');
  });

  it('round-trips every valid id', () => {
    fc.assert(
      fc.property(validId, (id) => {
        expect(decodePersistenceIdFromKey(encodePersistenceIdForKey(id))).toBe(id);
      }),
    );
  });

  it('never maps two ids to keys that collide, even case-insensitively', () => {
    fc.assert(
      fc.property(validId, validId, (a, b) => {
        fc.pre(a !== b);
        expect(encodePersistenceIdForKey(a).toLowerCase()).not.toBe(encodePersistenceIdForKey(b).toLowerCase());
      }),
    );
  });

  it('rejects keys it could not have produced', () => {
    for (const key of ['a/b', '%2f', 'A', '%', '%0', '%00', ''])
      expect(() => decodePersistenceIdFromKey(key)).toThrow(InvalidPersistenceIdError);
  });
});
