/**
 * State definitions: a name, an initial state and one handler per action type, plus the
 * one reducer every machine, replica and time-travel replay uses.
 * @module
 */
import { describeValue, InvalidArgumentError } from '../core/errors.js';
import { invalidArgument, validateFunction } from '../core/validation.js';
import type { Action } from './action.js';

/**
 * Handles one action type. Returns the new state and must not mutate `state`, which
 * recorders and time travel may still hold; with `produce` set on the definition it may
 * instead mutate its draft and return nothing (immer style).
 */
export type ActionHandler<S, P> = (state: S, payload: P, action: Action<P>) => S | undefined;

/** Handlers by action type. `never` payloads let each handler declare its own payload type. */
export type ActionHandlers<S> = Record<string, (state: S, payload: never, action: Action<never>) => S | undefined>;

/** The payload type a handler declares. */
export type PayloadOf<H> = H extends (state: never, payload: infer P, action: Action<never>) => unknown ? P : never;

/** An immer-compatible `produce(base, recipe)`: lets handlers mutate a draft instead of copying. */
export type Produce<S> = (base: S, recipe: (draft: S) => S | undefined) => S;

/** What {@link defineState} accepts. */
export interface StateDefinitionInit<S, H extends ActionHandlers<S>> {
  /** Names the machine in logs and errors. */
  readonly name: string;
  /** The state before any action. */
  readonly initialState: S;
  /** One handler per action type; any other type is reported and skipped. */
  readonly actions: H;
  /** Pass immer's `produce` to let handlers mutate a draft. @default undefined (handlers return new states) */
  readonly produce?: Produce<S>;
}

/** A validated, frozen state definition. */
export interface StateDefinition<S, H extends ActionHandlers<S>> extends StateDefinitionInit<S, H> {
  /** The declared action types. */
  readonly actionTypes: readonly string[];
}

/** Declares a machine's state: name, initial state and action handlers. */
export function defineState<S, H extends ActionHandlers<S>>(init: StateDefinitionInit<S, H>): StateDefinition<S, H> {
  if (typeof init !== 'object' || init === null) invalidArgument('definition', 'an object { name, initialState, actions }', init);
  if (typeof init.name !== 'string' || init.name.length === 0) invalidArgument('definition.name', 'a non-empty string', init.name);
  if (init.initialState === undefined) invalidArgument('definition.initialState', 'a state value (not undefined)', undefined);
  if (typeof init.actions !== 'object' || init.actions === null) {
    invalidArgument('definition.actions', 'an object of action handlers', init.actions);
  }
  const actionTypes = Object.keys(init.actions);
  if (actionTypes.length === 0) invalidArgument('definition.actions', 'at least one action handler', init.actions);
  for (const type of actionTypes) validateFunction(init.actions[type], `definition.actions.${type}`);
  if (init.produce !== undefined) validateFunction(init.produce, 'definition.produce');
  return Object.freeze({ ...init, actionTypes: Object.freeze(actionTypes) });
}

/** True when the definition declares a handler for `type`. */
export function hasActionType(definition: StateDefinition<unknown, ActionHandlers<unknown>>, type: string): boolean {
  return Object.hasOwn(definition.actions, type);
}

/** The result of applying one action: the next state, or the error that skipped it. */
export type Reduction<S> = { readonly state: S; readonly error?: undefined } | { readonly state: S; readonly error: Error };

/**
 * Applies one action. An unknown type or a failing handler leaves the state unchanged and
 * returns the error, so every replica and every replay skips the same actions.
 */
export function reduce<S, H extends ActionHandlers<S>>(definition: StateDefinition<S, H>, state: S, action: Action): Reduction<S> {
  const handler = Object.hasOwn(definition.actions, action.type)
    ? (definition.actions[action.type] as unknown as ActionHandler<S, unknown>)
    : undefined;
  if (!handler) {
    return {
      state,
      error: new InvalidArgumentError(
        'action.type',
        `[${definition.name}] action ${action.id}: expected one of ${definition.actionTypes.join(', ')}, found ${describeValue(action.type)}; skipped`,
        { expected: definition.actionTypes, actual: action.type, source: 'machine' },
      ),
    };
  }
  try {
    const next = definition.produce
      ? definition.produce(state, (draft) => handler(draft, action.payload, action))
      : handler(state, action.payload, action);
    if (next === undefined) {
      return {
        state,
        error: new InvalidArgumentError(
          `definition.actions.${action.type}`,
          `[${definition.name}] handler "${action.type}" returned undefined for action ${action.id}: return the new state (or set definition.produce to mutate a draft); skipped`,
          { expected: 'the new state', actual: undefined, source: 'machine' },
        ),
      };
    }
    return { state: next };
  } catch (cause) {
    return { state, error: cause instanceof Error ? cause : new Error(String(cause)) };
  }
}
