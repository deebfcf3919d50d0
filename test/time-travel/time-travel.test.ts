import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createTimeTravel,
  diffStates,
  ErrorCodes,
  MemoryJournal,
  MemorySnapshotStore,
  type PersistentRepr,
  SnapshotMetadata,
  summarizeDiff,
} from '../../src/index.js';
import { propertyRuns } from '../support/property-runs.js';

interface Tally {
  readonly seen: number[];
  readonly sum: number;
}
type Added = { readonly add: number };
const initialState: Tally = { seen: [], sum: 0 };
const apply = (state: Tally, event: Added, repr: PersistentRepr<Added>): Tally => ({
  seen: [...state.seen, repr.sequenceNr],
  sum: state.sum + event.add,
});

/** Writes `values` as events 1..n (timestamps 1000 + 10·n) and snapshots at `snapshotAt`. */
async function history(values: number[], snapshotAt: number[]) {
  const journal = new MemoryJournal();
  const snapshotStore = new MemorySnapshotStore();
  const events = values.map((add, index) => ({
    persistenceId: 'tally',
    sequenceNr: index + 1,
    event: { add },
    timestamp: 1000 + 10 * (index + 1),
  }));
  if (events.length > 0) await journal.write([{ persistenceId: 'tally', events }]);
  let state = initialState;
  for (const event of events) {
    state = apply(state, event.event, event);
    if (snapshotAt.includes(event.sequenceNr)) {
      await snapshotStore.save(
        new SnapshotMetadata({ persistenceId: 'tally', sequenceNr: event.sequenceNr, timestamp: event.timestamp }),
        state,
      );
    }
  }
  return { journal, snapshotStore, travel: createTimeTravel({ journal, snapshotStore, persistenceId: 'tally', initialState, apply }) };
}

describe('time travel', () => {
  it('stateAt equals a full replay at every point of a random history', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 30 }), fc.array(fc.nat(30)), async (values, snapshotAt) => {
        const { travel, journal } = await history(values, snapshotAt);
        const replayOnly = createTimeTravel({ journal, persistenceId: 'tally', initialState, apply });
        let expected = initialState;
        for (let sequenceNr = 0; sequenceNr <= values.length; sequenceNr++) {
          if (sequenceNr > 0)
            expected = apply(expected, { add: values[sequenceNr - 1] as number }, { sequenceNr } as PersistentRepr<Added>);
          const point = await travel.stateAt({ sequenceNr });
          expect(point.state).toEqual(expected);
          expect(point.sequenceNr).toBe(sequenceNr);
          expect((await replayOnly.stateAt({ sequenceNr })).state).toEqual(expected);
          // A snapshot at or below the point is used, never one above it.
          const usable = snapshotAt.filter((at) => at >= 1 && at <= sequenceNr);
          expect(point.snapshotSequenceNr).toBe(usable.length > 0 ? Math.max(...usable) : null);
          expect(point.replayed).toBe(sequenceNr - (point.snapshotSequenceNr ?? 0));
          // By timestamp: event n happened at 1000 + 10n.
          expect((await travel.stateAt({ timestamp: 1000 + 10 * sequenceNr + 5 })).state).toEqual(expected);
        }
      }),
      { numRuns: propertyRuns(60) },
    );
  });

  it('lists events and snapshots in sequence order, with timestamps', async () => {
    const { travel } = await history([1, 2, 3, 4], [2, 4]);
    expect(await travel.history()).toEqual([
      { kind: 'event', sequenceNr: 1, timestamp: 1010, event: { add: 1 } },
      { kind: 'event', sequenceNr: 2, timestamp: 1020, event: { add: 2 } },
      { kind: 'snapshot', sequenceNr: 2, timestamp: 1020 },
      { kind: 'event', sequenceNr: 3, timestamp: 1030, event: { add: 3 } },
      { kind: 'event', sequenceNr: 4, timestamp: 1040, event: { add: 4 } },
      { kind: 'snapshot', sequenceNr: 4, timestamp: 1040 },
    ]);
    expect((await travel.history({ fromSequenceNr: 2, maxEvents: 2 })).map((entry) => `${entry.kind}${entry.sequenceNr}`)).toEqual([
      'event2',
      'snapshot2',
      'event3',
    ]);
    expect(await travel.highestSequenceNr()).toBe(4);
  });

  it('diffs two states structurally', async () => {
    const { travel } = await history([5, 7], []);
    const before = (await travel.stateAt({ sequenceNr: 1 })).state;
    const after = (await travel.stateAt({ sequenceNr: 2 })).state;
    const differences = travel.diff(before, after);
    expect(differences).toEqual([
      { type: 'CREATE', path: ['seen', 1], value: 2 },
      { type: 'CHANGE', path: ['sum'], value: 12, oldValue: 5 },
    ]);
    expect(summarizeDiff(differences)).toEqual({ created: 1, removed: 0, changed: 1 });
    expect(diffStates(1, 2)).toEqual([{ type: 'CHANGE', path: [], value: 2, oldValue: 1 }]);
    expect(diffStates({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it('refuses to rebuild over deleted events no snapshot covers', async () => {
    const { journal, travel } = await history([1, 2, 3, 4], [3]);
    await journal.deleteTo('tally', 2);
    expect((await travel.stateAt({ sequenceNr: 4 })).state.sum).toBe(10);
    await expect(travel.stateAt({ sequenceNr: 2 })).rejects.toMatchObject({ code: ErrorCodes.recovery });
  });

  it('validates its arguments with typed errors', async () => {
    const { travel, journal } = await history([1], []);
    await expect(travel.stateAt({ sequenceNr: 2 })).rejects.toMatchObject({ code: ErrorCodes.invalidArgument });
    await expect(travel.stateAt({} as never)).rejects.toMatchObject({ code: ErrorCodes.invalidArgument });
    await expect(travel.stateAt({ sequenceNr: 1, timestamp: 1 } as never)).rejects.toMatchObject({ code: ErrorCodes.invalidArgument });
    await expect(travel.stateAt({ sequenceNr: -1 })).rejects.toMatchObject({ code: ErrorCodes.invalidArgument });
    await expect(travel.history({ fromSequenceNr: 3, toSequenceNr: 2 })).rejects.toThrow(/toSequenceNr/);
    expect(() => createTimeTravel({ journal, persistenceId: '', initialState, apply })).toThrow(
      expect.objectContaining({ code: ErrorCodes.invalidPersistenceId }),
    );
    expect(() => createTimeTravel({ journal: {} as never, persistenceId: 'x', initialState, apply })).toThrow(/options.journal/);
    expect(() => createTimeTravel({ journal, persistenceId: 'x', initialState, apply: 1 as never })).toThrow(/options.apply/);
  });
});
