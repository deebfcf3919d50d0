import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateAtomicWrites, validatePersistentRepr } from '../../src/core/persistent-repr.js';
import { propertyRuns } from '../support/property-runs.js';

const throws = (check: () => void): unknown => {
  try {
    check();
  } catch (error) {
    return error;
  }
  return undefined;
};

// Values near the edges of every field's rule, so both the shortcut for valid events and the
// full check see many accepted and many rejected events.
const field = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 3 }),
  fc.constantFrom(-1, 0, 1, 2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, Date.now()),
  fc.constantFrom([], ['a'], ['a', ''], [1], {}, { a: 1 }, [{}]),
);
// Mostly valid fields with one or two odd ones, where a too-lenient shortcut would show.
const mostly = (valid: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: field, weight: 1 });
const event = fc.record(
  {
    persistenceId: fc.oneof({ arbitrary: fc.constant('p-1'), weight: 6 }, fc.constantFrom('p-2', 7)),
    sequenceNr: mostly(fc.integer({ min: 1, max: 1000 })),
    timestamp: mostly(fc.integer({ min: 0, max: Date.now() })),
    event: fc.anything(),
    manifest: mostly(fc.constantFrom(undefined, 'v2')),
    tags: mostly(fc.constantFrom(undefined, ['a'], ['a', 'b'])),
    writerId: mostly(fc.constantFrom(undefined, 'w')),
    metadata: mostly(fc.constantFrom(undefined, {}, { a: 1 })),
  },
  { requiredKeys: ['persistenceId'] },
);

describe('validateAtomicWrites', () => {
  it('rejects exactly the events validatePersistentRepr rejects, with its error', () => {
    fc.assert(
      fc.property(event, (candidate) => {
        const alone = throws(() => validatePersistentRepr(candidate, 'writes[0].events[0]', 'p-1'));
        const inWrite = throws(() => validateAtomicWrites([{ persistenceId: 'p-1', events: [candidate] }]));
        expect(inWrite).toEqual(alone);
        if (alone !== undefined) expect((inWrite as Error).message).toBe((alone as Error).message);
      }),
      { numRuns: propertyRuns(5000) },
    );
  });

  it('names the event and field of a bad event deep in a batch', () => {
    const valid = (sequenceNr: number) => ({ persistenceId: 'p-1', sequenceNr, timestamp: 1, event: 'e' });
    const events = [valid(1), valid(2), { ...valid(3), tags: ['ok', ''] }];
    expect(() => validateAtomicWrites([{ persistenceId: 'p-1', events }])).toThrow(
      /writes\[0\]\.events\[2\]\.tags\[1\] \(persistence id "p-1"\): expected a non-empty string, found ""/,
    );
  });
});
