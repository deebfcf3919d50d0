/**
 * `defineEntity`: the typed front end's description of an entity type.
 * @module
 */
import { describeValue, InvalidArgumentError } from '../../core/errors.js';
import { invalidArgument, validateFunction, validateInteger } from '../../core/validation.js';
import type { Logger } from '../../observability/logger.js';
import type { EventAdapterBinding } from '../adapters/event-adapter.js';
import { EventAdapters } from '../adapters/event-adapters.js';
import type { StashOverflowStrategy } from '../cell/entity-behavior.js';
import { validateEntityName } from '../cell/entity-persistence-id.js';
import type { Signal } from '../cell/signals.js';
import { type TypedDeliveryOptions, type TypedDeliverySettings, typedDeliverySettings } from '../delivery/typed-delivery.js';
import { type RecoveryOptions, type RecoverySettings, recoverySettings } from '../recovery/recovery-settings.js';
import { DEFAULT_SNAPSHOT_VERSION, type SnapshotAdapter, SnapshotCodec, validateSnapshotVersion } from '../recovery/snapshot-versioning.js';
import { type Retention, type RetentionOptions, retentionSettings } from '../writers/retention.js';
import type { Effect } from './effect.js';

/** What a command handler may look at besides state and command. */
export interface CommandContext {
  readonly persistenceId: string;
  /** The id given to `persistence.entity(definition, id)`. */
  readonly entityId: string;
  /** Sequence number of the last stored event (0 before any). */
  readonly lastSequenceNr: number;
  readonly logger: Logger;
}

/** Options of {@link defineEntity}. State must be treated as immutable: handlers return new states. */
export interface EntityOptions<State, Command, Event> {
  /** Entity type name; the persistence id is `name|id`, so the name may not contain `|`. */
  readonly name: string;
  /** The state before any event (shared by all entities of the type: never mutate it). */
  readonly emptyState: State;
  /** Decides what to do with a command: which events to persist, what to reply. */
  readonly commandHandler: (state: State, command: Command, ctx: CommandContext) => Effect<Event, State> | Promise<Effect<Event, State>>;
  /** Folds one event into the state; must be pure, it runs again on every recovery. */
  readonly eventHandler: (state: State, event: Event) => State;
  /** Automatic snapshots and pruning. @default none */
  readonly retention?: RetentionOptions;
  /** Snapshot after an event when this returns true. @default never */
  readonly snapshotWhen?: (state: State, event: Event, sequenceNr: number) => boolean;
  /** Snapshot after this many milliseconds without new events (debounced). @default undefined (never) */
  readonly snapshotAfterIdleMs?: number;
  /** Which snapshot recovery starts from and how far it replays. @default latest snapshot, all events */
  readonly recovery?: RecoveryOptions;
  /** Snapshots over this many encoded bytes are not stored (SaveSnapshotFailure with SnapshotTooLargeError). @default the store's limit */
  readonly maxSnapshotBytes?: number;
  /** What `Effect.stash()` does once `stashCapacity` commands are stashed: fail the command, or drop it to dead letters. @default 'fail' */
  readonly stashOverflow?: StashOverflowStrategy;
  /** Told about recovery, snapshot results and skipped snapshots; must not throw. */
  readonly signalHandler?: (state: State, signal: Signal) => void;
  /** Version of the state shape in snapshots; bump it when the state or event handler changes. @default 1 */
  readonly snapshotVersion?: number;
  /** Stores another shape than the in-memory state and migrates older versions. @default none */
  readonly snapshotAdapter?: SnapshotAdapter<State>;
  /** Adapters between domain events and their stored form (schema evolution); see docs/event-adapters.md. @default none */
  readonly eventAdapters?: readonly EventAdapterBinding<Event>[];
  /** At-least-once delivery of the deliveries the state keeps (see docs/delivery.md). @default none */
  readonly atLeastOnceDelivery?: TypedDeliveryOptions<State>;
}

/** A validated entity type, ready for `persistence.entity(definition, id)`. */
export interface EntityDefinition<State, Command, Event> extends EntityOptions<State, Command, Event> {
  readonly kind: 'memento.entity';
  readonly recoverySettings: RecoverySettings;
  readonly retentionSettings: Retention;
  readonly codec: SnapshotCodec<State>;
  readonly eventAdapterSet: EventAdapters;
  readonly deliverySettings: TypedDeliverySettings<State> | undefined;
}

/** Describes a typed event-sourced entity type; validates every option eagerly. */
export function defineEntity<State, Command, Event>(
  options: EntityOptions<State, Command, Event>,
): EntityDefinition<State, Command, Event> {
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an entity options object', options);
  validateEntityName(options.name, 'options.name');
  try {
    return checkedDefinition(options);
  } catch (error) {
    throw error instanceof InvalidArgumentError ? namingEntity(error, options.name) : error;
  }
}

function checkedDefinition<State, Command, Event>(options: EntityOptions<State, Command, Event>): EntityDefinition<State, Command, Event> {
  validateFunction(options.commandHandler, 'options.commandHandler');
  validateFunction(options.eventHandler, 'options.eventHandler');
  for (const field of ['snapshotWhen', 'signalHandler'] as const) {
    if (options[field] !== undefined) validateFunction(options[field], `options.${field}`);
  }
  if (options.snapshotAfterIdleMs !== undefined)
    validateInteger(options.snapshotAfterIdleMs, 'options.snapshotAfterIdleMs', {}, { min: 1 });
  validateStashOverflow(options.stashOverflow, 'options.stashOverflow');
  if (options.maxSnapshotBytes !== undefined) validateInteger(options.maxSnapshotBytes, 'options.maxSnapshotBytes', {}, { min: 1 });
  const version =
    options.snapshotVersion === undefined
      ? DEFAULT_SNAPSHOT_VERSION
      : validateSnapshotVersion(options.snapshotVersion, 'options.snapshotVersion');
  validateAdapter(options.snapshotAdapter, 'options.snapshotAdapter');
  return Object.freeze({
    ...options,
    kind: 'memento.entity' as const,
    recoverySettings: recoverySettings(options.recovery, 'options.recovery'),
    retentionSettings: retentionSettings(options.retention, 'options.retention'),
    codec: new SnapshotCodec<State>(version, options.snapshotAdapter),
    eventAdapterSet: EventAdapters.from(options.eventAdapters, 'options.eventAdapters'),
    deliverySettings: typedDeliverySettings(options.atLeastOnceDelivery, 'options.atLeastOnceDelivery'),
  });
}

/** The same error with the entity's name in its message, so a bad option is easy to find. */
function namingEntity(error: InvalidArgumentError, name: string): InvalidArgumentError {
  const message = `${error.message.replace(/^\[memento\] /, '')} (entity ${JSON.stringify(name)})`;
  return new InvalidArgumentError(error.argument, message, { expected: error.expected, actual: error.actual, cause: error });
}

/** Throws unless `adapter` is undefined or has `toSnapshot` and `fromSnapshot` functions. */
export function validateAdapter(adapter: unknown, argument: string): void {
  if (adapter === undefined) return;
  const candidate = adapter as Partial<SnapshotAdapter<unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.toSnapshot !== 'function' ||
    typeof candidate.fromSnapshot !== 'function'
  ) {
    throw new InvalidArgumentError(
      argument,
      `${argument}: expected { toSnapshot, fromSnapshot } functions, found ${describeValue(adapter)}`,
      {
        expected: '{ toSnapshot, fromSnapshot }',
        actual: adapter,
      },
    );
  }
  if (candidate.canMigrate !== undefined) validateFunction(candidate.canMigrate, `${argument}.canMigrate`);
}

/** Checks a stash overflow strategy (`argument` names it in errors); undefined means `fail`. */
export function validateStashOverflow(value: unknown, argument: string): StashOverflowStrategy {
  if (value === undefined) return 'fail';
  if (value !== 'fail' && value !== 'drop') invalidArgument(argument, "'fail' or 'drop'", value);
  return value;
}

/** True when `value` came from {@link defineEntity}. */
export function isEntityDefinition(value: unknown): value is EntityDefinition<unknown, unknown, unknown> {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'memento.entity';
}
