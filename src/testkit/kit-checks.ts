/**
 * The checks every test kit makes: it is still open when used, and a restart brings the entity
 * or machine back with the state (and stored position) it had before.
 * @module
 */
import { InvalidStateError } from '../core/errors.js';
import { firstDifference } from '../serialization/round-trip.js';

/** Throws when a closed kit is used: its stores are gone, so any answer would be made up. */
export function assertKitOpen(closed: boolean, persistenceId: string, operation: string): void {
  if (closed)
    throw new InvalidStateError(`${persistenceId}: ${operation}: the test kit is closed`, {
      persistenceId,
      expected: 'an open test kit',
      actual: 'closed',
      source: 'testkit',
    });
}

/** What a kit reads on each side of a restart. */
export interface RestartReading<State> {
  readonly state: State;
  /** A stored position that must come back too (last sequence number, revision). */
  readonly position?: number;
}

/** The steps of one kit's restart. */
export interface RestartSteps<State> {
  /** Reads the state the running entity or machine has. */
  before(): Promise<RestartReading<State>>;
  /** Stops it as a process exit would and starts a new one over the same stores. */
  restart(): Promise<void>;
  /** Reads the state the new one came back with. */
  after(): Promise<RestartReading<State>>;
}

/** How a failed restart is told. */
export interface RestartWording {
  /** What came back, e.g. `recovery gave another state than the entity had`; ` before the restart` follows. */
  readonly outcome: string;
  /** The name of the position, e.g. `the revision`. */
  readonly position?: string;
}

/**
 * Runs `steps` and resolves with the state after the restart; rejects with an
 * InvalidStateError naming the first difference when the state or the position changed.
 */
export async function restartChecked<State>(persistenceId: string, steps: RestartSteps<State>, wording: RestartWording): Promise<State> {
  const before = await steps.before();
  await steps.restart();
  const after = await steps.after();
  const difference = firstDifference(before.state, after.state, 'state');
  const what = difference
    ? difference.message
    : before.position !== after.position
      ? `${wording.position ?? 'the position'} is ${after.position} instead of ${before.position}`
      : undefined;
  if (what === undefined) return after.state;
  throw new InvalidStateError(`${persistenceId}: ${wording.outcome} before the restart: ${what}`, {
    persistenceId,
    expected: before.state,
    actual: after.state,
    source: 'testkit',
  });
}
