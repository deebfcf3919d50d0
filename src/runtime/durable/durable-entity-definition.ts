/**
 * `defineDurableEntity`: an entity whose whole state is stored in a DurableStateStore
 * after each change, instead of as a log of events.
 * @module
 */
import { InvalidArgumentError } from '../../core/errors.js';
import { invalidArgument, validateFunction, validateOptionalString } from '../../core/validation.js';
import type { Logger } from '../../observability/logger.js';
import { validateEntityName } from '../cell/entity-persistence-id.js';
import type { RecoveryFailed } from '../cell/signals.js';
import type { DurableEffect } from './durable-effect.js';

/** What a durable command handler may look at besides state and command. */
export interface DurableCommandContext {
  readonly persistenceId: string;
  /** The id given to `persistence.durableEntity(definition, id)`. */
  readonly entityId: string;
  /** Revision of the stored state (0 = never stored); the next change stores revision + 1. */
  readonly revision: number;
  readonly logger: Logger;
}

/** The state was loaded; commands are handled from now on. */
export interface DurableStateLoaded {
  readonly type: 'DurableStateLoaded';
  /** Revision of the loaded state (0 = never stored). */
  readonly revision: number;
}

/** Builds a {@link DurableStateLoaded}. */
export const DurableStateLoaded = (revision: number): DurableStateLoaded => ({ type: 'DurableStateLoaded', revision });

/** Everything a durable entity's `signalHandler` may receive. */
export type DurableSignal = DurableStateLoaded | RecoveryFailed;

/** Options of {@link defineDurableEntity}. State must be treated as immutable. */
export interface DurableEntityOptions<State, Command> {
  /** Entity type name; the persistence id is `name|id`, so the name may not contain `|`. */
  readonly name: string;
  /** The state before anything was stored, and after a delete (never mutate it). */
  readonly emptyState: State;
  /** Decides what to do with a command: which state to store, what to reply. */
  readonly commandHandler: (
    state: State,
    command: Command,
    ctx: DurableCommandContext,
  ) => DurableEffect<State> | Promise<DurableEffect<State>>;
  /** Tag stored with every change, for `changesByTag` queries. @default none */
  readonly tag?: string;
  /** Told when the state was loaded or loading failed; must not throw. */
  readonly signalHandler?: (state: State, signal: DurableSignal) => void;
}

/** A validated durable entity type, ready for `persistence.durableEntity(definition, id)`. */
export interface DurableEntityDefinition<State, Command> extends DurableEntityOptions<State, Command> {
  readonly kind: 'memento.durableEntity';
}

/** Describes a durable state entity type; validates every option eagerly. */
export function defineDurableEntity<State, Command>(
  options: DurableEntityOptions<State, Command>,
): DurableEntityDefinition<State, Command> {
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'a durable entity options object', options);
  validateEntityName(options.name, 'options.name');
  const context = { source: undefined };
  try {
    validateFunction(options.commandHandler, 'options.commandHandler', context);
    if (options.signalHandler !== undefined) validateFunction(options.signalHandler, 'options.signalHandler', context);
    validateOptionalString(options.tag, 'options.tag', context);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const message = `${error.message.replace(/^\[memento\] /, '')} (durable entity ${JSON.stringify(options.name)})`;
    throw new InvalidArgumentError(error.argument, message, { expected: error.expected, actual: error.actual, cause: error });
  }
  return Object.freeze({ ...options, kind: 'memento.durableEntity' as const });
}

/** True when `value` came from {@link defineDurableEntity}. */
export function isDurableEntityDefinition(value: unknown): value is DurableEntityDefinition<unknown, unknown> {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'memento.durableEntity';
}
