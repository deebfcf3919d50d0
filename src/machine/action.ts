/**
 * Actions: what a machine's writer appends and its reader delivers back.
 * @module
 */
import { invalidArgument, validateInteger } from '../core/validation.js';

/** An action before the source has stored it: the source assigns its id. */
export interface ActionDraft<P = unknown> {
  /** One of the definition's action types. */
  readonly type: string;
  /** The handler's input; must survive the source's serialization (JSON by default). */
  readonly payload: P;
  /** Epoch milliseconds when the action was created. */
  readonly timestamp: number;
}

/** An action as a reader delivers it. */
export interface Action<P = unknown> extends ActionDraft<P> {
  /** Unique within the source; readers resume strictly after a given id. */
  readonly id: string;
  /** Position in the source when it has one (the journal sequence number); snapshot stores key on it. */
  readonly sequenceNr?: number | undefined;
}

/** Builds a draft stamped with `Date.now()`, checking the type. */
export function actionDraft<P>(type: string, payload: P, timestamp = Date.now()): ActionDraft<P> {
  validateActionType(type, 'type');
  validateInteger(timestamp, 'timestamp');
  return { type, payload, timestamp };
}

/** Throws InvalidArgumentError unless `type` is a non-empty string. */
export function validateActionType(type: unknown, argument = 'action.type'): asserts type is string {
  if (typeof type !== 'string' || type.length === 0) invalidArgument(argument, 'a non-empty string', type);
}

/** Throws InvalidArgumentError unless `value` looks like an {@link Action} (id and type strings). */
export function validateAction(value: unknown, argument = 'action'): asserts value is Action {
  if (typeof value !== 'object' || value === null) invalidArgument(argument, 'an action object { id, type, payload, timestamp }', value);
  const action = value as Record<string, unknown>;
  if (typeof action.id !== 'string' || action.id.length === 0) invalidArgument(`${argument}.id`, 'a non-empty string', action.id);
  validateActionType(action.type, `${argument}.type`);
}
