import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  ErrorCodes,
  isConcurrencyError,
  isMementoError,
  isStoreUnavailableError,
  StoreUnavailableError,
  sequenceConflict,
} from '../../src/index.js';

describe('errors', () => {
  it('carry a stable code, the persistence id, expected and actual, and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new StoreUnavailableError('write failed', { persistenceId: 'p', source: 'postgres', cause });
    expect(error.code).toBe(ErrorCodes.storeUnavailable);
    expect(error.name).toBe('StoreUnavailableError');
    expect(error.message).toBe('[memento] [postgres] write failed');
    expect(error.cause).toBe(cause);
    expect(error.persistenceId).toBe('p');
  });

  it('are recognised by shape, so copies from a duplicate install still match', () => {
    const foreign = Object.assign(new Error('x'), { code: ErrorCodes.concurrency });
    expect(isConcurrencyError(foreign)).toBe(true);
    expect(isMementoError(foreign)).toBe(true);
    expect(isStoreUnavailableError(foreign)).toBe(false);
    expect(isMementoError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isMementoError(null)).toBe(false);
  });

  it('sequence conflicts say what was expected and found', () => {
    const duplicate = sequenceConflict('cart-1', 6, 5);
    expect(duplicate).toBeInstanceOf(ConcurrencyError);
    expect(duplicate.message).toContain('expected first sequence number 6');
    expect(duplicate.message).toContain('found 5');
    expect(duplicate.message).toContain('"cart-1"');
    expect([duplicate.expected, duplicate.actual]).toEqual([6, 5]);
    expect(sequenceConflict('cart-1', 6, 9).message).toContain('gap');
  });
});
