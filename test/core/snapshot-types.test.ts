import { describe, expect, it } from 'vitest';
import {
  DeleteSnapshotsFailure,
  ErrorCodes,
  InvalidArgumentError,
  isMementoError,
  MAX_SEQUENCE_NR,
  SaveSnapshotFailure,
  SaveSnapshotSuccess,
  SnapshotMetadata,
  SnapshotOffer,
  SnapshotSelectionCriteria,
} from '../../src/index.js';

const position = (sequenceNr: number, timestamp: number) => ({ sequenceNr, timestamp });

describe('SnapshotSelectionCriteria', () => {
  it('defaults to the widest bounds, and Latest matches everything', () => {
    expect(new SnapshotSelectionCriteria().toJSON()).toEqual({
      maxSequenceNr: MAX_SEQUENCE_NR,
      maxTimestamp: MAX_SEQUENCE_NR,
      minSequenceNr: 0,
      minTimestamp: 0,
    });
    expect(SnapshotSelectionCriteria.Latest.matches(position(MAX_SEQUENCE_NR, Date.now()))).toBe(true);
    expect(SnapshotSelectionCriteria.Latest.matches(position(0, 0))).toBe(true);
  });

  it('None matches no snapshot taken after an event', () => {
    expect(SnapshotSelectionCriteria.None.matches(position(1, 0))).toBe(false);
    expect(SnapshotSelectionCriteria.None.matches(position(0, 1))).toBe(false);
  });

  it('treats every bound as inclusive', () => {
    const criteria = new SnapshotSelectionCriteria({ minSequenceNr: 5, maxSequenceNr: 10, minTimestamp: 100, maxTimestamp: 200 });
    expect(criteria.matches(position(5, 100))).toBe(true);
    expect(criteria.matches(position(10, 200))).toBe(true);
    expect(criteria.matches(position(4, 150))).toBe(false);
    expect(criteria.matches(position(11, 150))).toBe(false);
    expect(criteria.matches(position(7, 99))).toBe(false);
    expect(criteria.matches(position(7, 201))).toBe(false);
  });

  it('accepts Infinity as "no upper bound"', () => {
    expect(new SnapshotSelectionCriteria({ maxSequenceNr: Number.POSITIVE_INFINITY }).maxSequenceNr).toBe(MAX_SEQUENCE_NR);
  });

  it('accepts negative bounds as Akka does: a negative maximum selects nothing, a negative minimum is 0', () => {
    const young = new SnapshotSelectionCriteria({ maxSequenceNr: 3 - 200 });
    expect(young.maxSequenceNr).toBe(-197);
    expect(young.matches(position(0, 0))).toBe(false);
    expect(young.matches(position(1, 0))).toBe(false);
    const fromNegative = new SnapshotSelectionCriteria({ minSequenceNr: -5, maxSequenceNr: 10, minTimestamp: -1 });
    expect(fromNegative.toJSON()).toMatchObject({ minSequenceNr: 0, minTimestamp: 0 });
    expect(fromNegative.matches(position(0, 0))).toBe(true);
    expect(new SnapshotSelectionCriteria({ maxTimestamp: -1 }).matches(position(1, 0))).toBe(false);
    expect(young.copy({ minTimestamp: 5 }).maxSequenceNr).toBe(-197);
  });

  it.each([
    [{ minSequenceNr: 5, maxSequenceNr: 4 }, 'criteria.minSequenceNr', 'expected <= maxSequenceNr 4, found 5'],
    [{ minTimestamp: 9, maxTimestamp: 3 }, 'criteria.minTimestamp', 'expected <= maxTimestamp 3, found 9'],
    [{ maxSequenceNr: '5' as unknown as number }, 'criteria.maxSequenceNr', 'found "5"'],
    [{ minSequenceNr: Number.NaN }, 'criteria.minSequenceNr', 'found NaN'],
    [{ maxSequenceNr: Number.NEGATIVE_INFINITY }, 'criteria.maxSequenceNr', 'found -Infinity'],
    [{ minTimestamp: 1.5 }, 'criteria.minTimestamp', 'found 1.5'],
    [{ maxTimestamp: Number.NaN }, 'criteria.maxTimestamp', 'found NaN'],
  ])('rejects %j naming the bound', (init, argument, message) => {
    try {
      new SnapshotSelectionCriteria(init);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
      expect((error as Error).message).toContain(message);
    }
  });

  it('limit lowers the upper bound and never raises it', () => {
    const criteria = new SnapshotSelectionCriteria({ maxSequenceNr: 50 });
    expect(criteria.limit(20).maxSequenceNr).toBe(20);
    expect(criteria.limit(80).maxSequenceNr).toBe(50);
    expect(new SnapshotSelectionCriteria({ minSequenceNr: 30 }).limit(10).matches(position(10, 0))).toBe(false);
  });

  it('from() validates plain objects and keeps instances', () => {
    expect(SnapshotSelectionCriteria.from(SnapshotSelectionCriteria.None)).toBe(SnapshotSelectionCriteria.None);
    expect(SnapshotSelectionCriteria.from(undefined)).toBe(SnapshotSelectionCriteria.Latest);
    expect(() => SnapshotSelectionCriteria.from({ minSequenceNr: 3, maxSequenceNr: 1 })).toThrow(InvalidArgumentError);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(SnapshotSelectionCriteria.Latest)).toBe(true);
  });
});

describe('SnapshotMetadata', () => {
  const base = new SnapshotMetadata({ persistenceId: 'p-1', sequenceNr: 7, timestamp: 1000 });

  it('withMetadata and copy return new objects and leave the original alone', () => {
    const tagged = base.withMetadata({ author: 'x' });
    const moved = base.copy({ sequenceNr: 9 });
    expect(tagged).not.toBe(base);
    expect(tagged.metadata).toEqual({ author: 'x' });
    expect(base.metadata).toBeUndefined();
    expect(moved.sequenceNr).toBe(9);
    expect(moved.timestamp).toBe(1000);
    expect(base.sequenceNr).toBe(7);
  });

  it('stamps the current time when none is given', () => {
    const before = Date.now();
    const stamped = new SnapshotMetadata({ persistenceId: 'p-1', sequenceNr: 1 });
    expect(stamped.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('rejects bad fields naming the persistence id and value', () => {
    try {
      new SnapshotMetadata({ persistenceId: 'p-1', sequenceNr: -2 });
      expect.unreachable();
    } catch (error) {
      expect(isMementoError(error, ErrorCodes.invalidArgument)).toBe(true);
      expect((error as Error).message).toContain('metadata.sequenceNr');
      expect((error as Error).message).toContain('"p-1"');
      expect((error as Error).message).toContain('found -2');
    }
    expect(() => base.copy({ persistenceId: 'a\u0000' })).toThrow(/U\+0000/);
  });
});

describe('snapshot results', () => {
  it('are tagged objects carrying metadata, criteria and cause', () => {
    const metadata = new SnapshotMetadata({ persistenceId: 'p', sequenceNr: 1, timestamp: 1 });
    expect(SaveSnapshotSuccess(metadata)).toEqual({ type: 'SaveSnapshotSuccess', metadata });
    const failure = SaveSnapshotFailure(metadata, 'disk full');
    expect(failure.type).toBe('SaveSnapshotFailure');
    expect(failure.cause).toBeInstanceOf(Error);
    expect(failure.cause.message).toBe('disk full');
    expect(DeleteSnapshotsFailure(SnapshotSelectionCriteria.Latest, new Error('x')).criteria).toBe(SnapshotSelectionCriteria.Latest);
    expect(SnapshotOffer(metadata, { n: 1 })).toEqual({ type: 'SnapshotOffer', metadata, snapshot: { n: 1 } });
  });
});
