/**
 * Time travel for a machine: over the journal its reader reads (with the recorder's
 * snapshot store when it has one), or else over the recorder's own snapshots.
 * @module
 */
import { describeValue, InvalidArgumentError } from '../core/errors.js';
import { invalidArgument } from '../core/validation.js';
import {
  type HistoryEntry,
  type HistoryEvent,
  type HistoryOptions,
  mergeTimeline,
  validateHistoryOptions,
} from '../time-travel/history.js';
import { createTimeTravel, type TimeTravel } from '../time-travel/time-travel.js';
import type { Action } from './action.js';
import { sequenceNrOfActionId, toAction } from './journal-action-codec.js';
import { isJournalSource } from './journal-reader.js';
import type { Reader } from './reader.js';
import type { Recorder, Snapshot } from './recorder.js';
import { type ActionHandlers, reduce, type StateDefinition } from './state-definition.js';

/** What a machine hands to its time-travel helpers. */
export interface MachineTimeTravelContext<S, H extends ActionHandlers<S>> {
  readonly definition: StateDefinition<S, H>;
  readonly reader: Reader;
  readonly recorder: Recorder<S, Action>;
}

interface SnapshotStoreHolder {
  readonly snapshotStore: NonNullable<Parameters<typeof createTimeTravel>[0]['snapshotStore']>;
  readonly persistenceId: string;
}

const holdsSnapshotStore = (value: unknown): value is SnapshotStoreHolder => {
  const holder = value as Partial<SnapshotStoreHolder> | null;
  return typeof holder?.persistenceId === 'string' && typeof holder.snapshotStore?.load === 'function';
};

/**
 * The full time travel API over the journal a machine reads (with its StoreRecorder's snapshot
 * store when the persistence ids match); throws InvalidArgumentError for a machine whose reader
 * reads no journal (its `history()` and `stateAt()` use the recorder's snapshots instead).
 */
export function machineTimeTravel<S, H extends ActionHandlers<S>>(context: MachineTimeTravelContext<S, H>): TimeTravel<S> {
  const travel = journalTimeTravel(context);
  if (travel) return travel;
  throw new InvalidArgumentError(
    'machine',
    `machineTimeTravel: expected a machine whose reader reads a journal (a JournalReader), found ${describeValue(context.reader)}; machine.history() and machine.stateAt() work from the recorder's snapshots instead`,
    { expected: 'a machine over a JournalReader', actual: describeValue(context.reader) },
  );
}

/** Time travel through the journal a machine reads, or null when its reader reads none. */
function journalTimeTravel<S, H extends ActionHandlers<S>>(context: MachineTimeTravelContext<S, H>): TimeTravel<S> | null {
  const { reader, recorder, definition } = context;
  if (!isJournalSource(reader)) return null;
  const store = holdsSnapshotStore(recorder) && recorder.persistenceId === reader.persistenceId ? recorder.snapshotStore : undefined;
  return createTimeTravel<S>({
    journal: reader.journal,
    snapshotStore: store,
    persistenceId: reader.persistenceId,
    initialState: definition.initialState,
    apply: (state, _event, repr) => reduce(definition, state, toAction(repr)).state,
    snapshotState: (snapshot) => (snapshot as Snapshot<S>).state,
  });
}

/** The machine's timeline: journal events and stored snapshots, or the recorder's snapshots. */
export async function machineHistory<S, H extends ActionHandlers<S>>(
  context: MachineTimeTravelContext<S, H>,
  options?: HistoryOptions,
): Promise<HistoryEntry[]> {
  const travel = journalTimeTravel(context);
  if (travel) return travel.history(options);
  const bounds = validateHistoryOptions(options);
  const events: HistoryEvent[] = (await recordedSnapshots(context.recorder))
    .filter((snapshot) => snapshot.action !== null)
    .map((snapshot, index): HistoryEvent => {
      const action = snapshot.action as Action;
      return {
        kind: 'event',
        sequenceNr: action.sequenceNr ?? index + 1,
        timestamp: action.timestamp,
        event: { type: action.type, payload: action.payload },
      };
    })
    .filter((event) => event.sequenceNr >= bounds.from && event.sequenceNr <= bounds.to)
    .slice(0, bounds.max);
  return mergeTimeline(events, []);
}

/** The state right after `actionId` (null: the initial state). */
export async function machineStateAt<S, H extends ActionHandlers<S>>(
  context: MachineTimeTravelContext<S, H>,
  actionId: string | null,
): Promise<S> {
  if (actionId === null) return context.definition.initialState;
  const travel = journalTimeTravel(context);
  if (travel) return (await travel.stateAt({ sequenceNr: sequenceNrOfActionId(actionId) })).state;
  const found = (await recordedSnapshots(context.recorder)).findLast((snapshot) => snapshot.action?.id === actionId);
  if (!found) invalidArgument('actionId', 'the id of an action the recorder holds a snapshot of', actionId);
  return found.state;
}

async function recordedSnapshots<S>(recorder: Recorder<S, Action>): Promise<Snapshot<S, Action>[]> {
  if (!recorder.getSnapshots) {
    invalidArgument('machine', 'a reader over a journal (JournalReader) or a recorder with getSnapshots() for time travel', recorder);
  }
  return recorder.getSnapshots();
}
