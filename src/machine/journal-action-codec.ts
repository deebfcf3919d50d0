/**
 * How actions live in a journal: the event is `{ type, payload }`, the manifest the type,
 * the timestamp the action's, and the action id the sequence number in decimal, so
 * "resume strictly after action id" is one replay from `id + 1`.
 * @module
 */
import { stampStoredSize, storedSizeOf } from '../core/encoded-size.js';
import type { PersistentRepr } from '../core/persistent-repr.js';
import { invalidArgument } from '../core/validation.js';
import type { Action, ActionDraft } from './action.js';

/** The event a JournalWriter stores for an action. */
export interface ActionEvent<P = unknown> {
  readonly type: string;
  readonly payload: P;
}

/** The journal event for a draft. */
export function toActionEvent(draft: ActionDraft): ActionEvent {
  return { type: draft.type, payload: draft.payload };
}

/** The action a journal event represents. Events written by other code keep their manifest as type. */
export function toAction(repr: PersistentRepr): Action {
  const event = repr.event as Partial<ActionEvent> | null;
  const isAction = typeof event === 'object' && event !== null && typeof event.type === 'string';
  const action: Action = {
    id: String(repr.sequenceNr),
    sequenceNr: repr.sequenceNr,
    type: isAction ? (event.type as string) : (repr.manifest ?? ''),
    payload: isAction ? event.payload : repr.event,
    timestamp: repr.timestamp,
  };
  // The event's stored size goes with its action, for the machine's recovery report.
  const size = storedSizeOf(repr);
  if (size !== undefined) stampStoredSize(action, size);
  return action;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** The sequence number a decimal action id names, or undefined for any other id (e.g. a transaction id). */
export function decimalSequenceNr(id: unknown): number | undefined {
  return typeof id === 'string' && DECIMAL.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : undefined;
}

/** The sequence number an action id names; throws InvalidArgumentError for anything but a decimal integer. */
export function sequenceNrOfActionId(id: unknown, argument = 'actionId'): number {
  const sequenceNr = decimalSequenceNr(id);
  if (sequenceNr === undefined) invalidArgument(argument, 'a journal action id (a sequence number in decimal, e.g. "42")', id);
  return sequenceNr;
}
