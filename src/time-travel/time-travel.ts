/**
 * Time travel over one persistence id: list its timeline, rebuild the state at any
 * sequence number or timestamp from the nearest older snapshot plus replay, and diff
 * states. The CLI and the web inspector are views over this API; it imports no node:*.
 * @module
 */
import { RecoveryError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import type { PersistentRepr } from '../core/persistent-repr.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { invalidArgument, MAX_SEQUENCE_NR, validateFunction } from '../core/validation.js';
import type { Journal } from '../spi/journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import { type HistoryEntry, type HistoryOptions, readHistory, validateHistoryOptions } from './history.js';
import { type PointInTime, type TimePoint, validateTimePoint } from './point-in-time.js';
import { diffStates, type StateDifference } from './state-diff.js';

/** What {@link createTimeTravel} needs. */
export interface TimeTravelOptions<S, E = unknown> {
  /** Where the events are. */
  readonly journal: Journal;
  /** Where snapshots of the id live; without one every rebuild replays from the start. */
  readonly snapshotStore?: SnapshotStore | undefined;
  /** Whose timeline. */
  readonly persistenceId: string;
  /** The state before the first event. */
  readonly initialState: S;
  /** Folds one event into the state; must not mutate `state`. */
  readonly apply: (state: S, event: E, repr: PersistentRepr<E>) => S;
  /** The state inside a stored snapshot (e.g. `s => s.state` for recorder snapshots). @default identity */
  readonly snapshotState?: (snapshot: unknown) => S;
}

/** Time travel over one persistence id. */
export interface TimeTravel<S, E = unknown> {
  /** Whose timeline this is. */
  readonly persistenceId: string;
  /** Events and snapshots, oldest first. */
  history(options?: HistoryOptions): Promise<HistoryEntry<E>[]>;
  /** The highest sequence number written (0 when none). */
  highestSequenceNr(): Promise<number>;
  /** The state at a point, rebuilt from the nearest older snapshot plus replay. */
  stateAt(point: TimePoint): Promise<PointInTime<S>>;
  /** What changed from `before` to `after` (microdiff). */
  diff(before: S, after: S): StateDifference[];
}

/** Creates the time-travel API for one persistence id. */
export function createTimeTravel<S, E = unknown>(options: TimeTravelOptions<S, E>): TimeTravel<S, E> {
  if (typeof options !== 'object' || options === null)
    invalidArgument('options', 'an object { journal, persistenceId, initialState, apply }', options);
  const { journal, snapshotStore, persistenceId, initialState, apply } = options;
  validatePersistenceId(persistenceId, 'options.persistenceId');
  const context = { persistenceId };
  if (typeof journal?.replay !== 'function') invalidArgument('options.journal', 'a Journal', journal, context);
  if (snapshotStore !== undefined && typeof snapshotStore?.load !== 'function') {
    invalidArgument('options.snapshotStore', 'a SnapshotStore or undefined', snapshotStore, context);
  }
  validateFunction(apply, 'options.apply', context);
  const snapshotState = options.snapshotState ?? ((snapshot: unknown) => snapshot as S);
  validateFunction(snapshotState, 'options.snapshotState', context);

  const stateAt = async (point: TimePoint): Promise<PointInTime<S>> => {
    const checked = validateTimePoint(point, persistenceId);
    const highest = await journal.highestSequenceNr(persistenceId);
    if (checked.by === 'sequenceNr' && checked.value > highest) {
      invalidArgument('point.sequenceNr', `at most the highest sequence number ${highest}`, checked.value, context);
    }
    const criteria =
      checked.by === 'sequenceNr'
        ? new SnapshotSelectionCriteria({ maxSequenceNr: checked.value })
        : new SnapshotSelectionCriteria({ maxTimestamp: checked.value });
    const selected = snapshotStore ? await snapshotStore.load(persistenceId, criteria) : null;
    let state = selected ? snapshotState(selected.snapshot) : initialState;
    let sequenceNr = selected ? selected.metadata.sequenceNr : 0;
    let timestamp = selected?.metadata.timestamp;
    let replayed = 0;
    const to = checked.by === 'sequenceNr' ? checked.value : MAX_SEQUENCE_NR;
    if (sequenceNr < to) {
      for await (const repr of journal.replay(persistenceId, sequenceNr + 1, to)) {
        if (repr.sequenceNr !== sequenceNr + 1) throw missingEvents(persistenceId, sequenceNr + 1, repr.sequenceNr);
        // Timestamps are taken to grow with sequence numbers: stop at the first later event.
        if (checked.by === 'timestamp' && repr.timestamp > checked.value) break;
        state = apply(state, repr.event as E, repr as PersistentRepr<E>);
        sequenceNr = repr.sequenceNr;
        timestamp = repr.timestamp;
        replayed++;
      }
    }
    if (checked.by === 'sequenceNr' && sequenceNr !== checked.value) throw missingEvents(persistenceId, sequenceNr + 1, undefined);
    return { state, sequenceNr, timestamp, snapshotSequenceNr: selected ? selected.metadata.sequenceNr : null, replayed };
  };

  return Object.freeze({
    persistenceId,
    history: async (historyOptions?: HistoryOptions) =>
      (await readHistory(
        journal,
        snapshotStore,
        persistenceId,
        validateHistoryOptions(historyOptions, persistenceId),
      )) as HistoryEntry<E>[],
    highestSequenceNr: () => journal.highestSequenceNr(persistenceId),
    stateAt,
    diff: (before: S, after: S) => diffStates(before, after),
  });
}

/** Replay hit deleted events: rebuilding past them would give a wrong state silently. */
function missingEvents(persistenceId: string, expected: number, found: number | undefined): RecoveryError {
  const what = found === undefined ? 'no event' : `event ${found}`;
  return new RecoveryError(
    `cannot rebuild the state of ${JSON.stringify(persistenceId)}: expected event ${expected}, found ${what} (events were deleted and no snapshot covers them)`,
    { persistenceId, expected, actual: found, source: 'time-travel' },
  );
}
