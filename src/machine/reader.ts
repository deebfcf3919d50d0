/**
 * The reader contract: a source of actions a machine applies, in the source's order.
 * Small enough to write by hand: one method returning an async iterable.
 * @module
 */
import type { Action } from './action.js';

/** What a machine passes to {@link Reader.read}. */
export interface ReadOptions {
  /** Aborted when the machine stops; a live reader must end its iteration then. */
  readonly signal: AbortSignal;
  /**
   * Call whenever everything currently in the source has been delivered. Optional for
   * hand-written readers; without it `machine.caughtUp()` waits for the stream to end.
   */
  readonly onCaughtUp?: () => void;
}

/** Streams actions strictly after a given action id, oldest first. */
export interface Reader<A extends Action = Action> {
  /** Actions after `afterId` (from the very first when null), in order; live readers keep going until aborted. */
  read(afterId: string | null, options: ReadOptions): AsyncIterable<A>;
}
