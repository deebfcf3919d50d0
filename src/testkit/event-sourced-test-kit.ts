/**
 * `eventSourcedTestKit`: runs commands against an entity definition in memory, in the spirit of
 * Akka's `EventSourcedBehaviorTestKit`. Each command goes through the real runtime over memory
 * stores that serialize like a database; the result holds the events persisted, the reply and
 * the state, each checked to survive the configured serializer. `restart()` recovers the entity
 * in a new runtime and checks it comes back to the same state.
 * @module
 */
import { invalidArgument } from '../core/validation.js';
import { MemoryJournal } from '../memory/memory-journal.js';
import { MemorySnapshotStore } from '../memory/memory-snapshot-store.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { ReplyOf } from '../runtime/cell/entity-ref.js';
import { createPersistence } from '../runtime/persistence.js';
import { Effect } from '../runtime/typed/effect.js';
import { defineEntity, type EntityDefinition, isEntityDefinition } from '../runtime/typed/entity-definition.js';
import type { Serialization } from '../serialization/serialization.js';
import { EntityRuntime, type Observed } from './entity-runtime.js';
import { keptOpen } from './kept-store.js';
import { assertKitOpen } from './kit-checks.js';
import { requireRoundTrip, serializationOf, type TestKitSerialization } from './serialization-check.js';

/** Options of {@link eventSourcedTestKit}. */
export interface EventSourcedTestKitOptions {
  /** The entity id; the persistence id is `name|id`. @default 'test' */
  readonly entityId?: string;
  /** What the application stores with; every event and state must come back from it exactly. @default new Serialization() (JSON) */
  readonly serialization?: TestKitSerialization;
  /** Where the runtime reports. @default silent */
  readonly logger?: Logger;
}

/** What one command did. */
export interface CommandResult<Command, Event, State, Reply> {
  /** The command as sent. */
  readonly command: Command;
  /** The events the command persisted, in order (empty when it persisted none). */
  readonly events: readonly Event[];
  /** What `ask` resolved with (undefined when the handler gave no reply). */
  readonly reply: Reply;
  /** The entity's state after the command. */
  readonly state: State;
}

/** Sent by the kit to read the state: the wrapped handler answers it without calling the user's handler. */
const READ_STATE = Symbol('memento.testkit.readState');

/** Runs one entity of an entity definition in memory; see {@link eventSourcedTestKit}. */
export class EventSourcedTestKit<State, Command, Event> {
  /** The entity's persistence id (`name|id`). */
  readonly persistenceId: string;
  /** The journal the entity writes to (serialized in memory). */
  readonly journal: MemoryJournal;
  /** The snapshot store the entity writes to (serialized in memory). */
  readonly snapshotStore: MemorySnapshotStore;
  /** The serialization events, snapshots and states are checked with. */
  readonly serialization: Serialization;
  readonly #definition: EntityDefinition<State, Command | typeof READ_STATE, Event>;
  readonly #entityId: string;
  readonly #logger: Logger;
  readonly #runtime: EntityRuntime<State>;
  #emitted: Event[] = [];
  #closed = false;

  constructor(definition: EntityDefinition<State, Command, Event>, options: EventSourcedTestKitOptions = {}) {
    if (!isEntityDefinition(definition)) invalidArgument('definition', 'a definition made by defineEntity', definition);
    if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
    this.#entityId = options.entityId ?? 'test';
    this.#logger = options.logger ?? silentLogger;
    this.serialization = serializationOf(options.serialization, 'options.serialization');
    this.journal = new MemoryJournal({ serialization: this.serialization });
    this.snapshotStore = new MemorySnapshotStore({ serialization: this.serialization });
    this.#definition = this.#observing(definition);
    this.#runtime = new EntityRuntime({
      start: () =>
        createPersistence({ journal: keptOpen(this.journal), snapshotStore: keptOpen(this.snapshotStore), logger: this.#logger }),
      ask: (persistence, command) => persistence.entity(this.#definition, this.#entityId).ask(command as Command),
      readCommand: READ_STATE,
      serialization: this.serialization,
    });
    this.persistenceId = this.#runtime.persistence.entity(this.#definition, this.#entityId).persistenceId;
  }

  /**
   * Sends `command` and resolves with the events it persisted, the reply and the new state.
   * Rejects with the command's error (the handler's, `UnhandledCommandError`, ...), and with a
   * SerializationError naming the path when an event or the state would not survive the
   * configured serializer.
   */
  async run<Sent extends Command>(command: Sent): Promise<CommandResult<Sent, Event, State, ReplyOf<Command, Sent>>> {
    assertKitOpen(this.#closed, this.persistenceId, 'run');
    this.#emitted = [];
    const reply = (await this.#runtime.ask(command)) as ReplyOf<Command, Sent>;
    const events = this.#emitted;
    this.#emitted = [];
    const state = await this.state();
    return { command, events, reply, state };
  }

  /** The entity's current state (recovering it first when needed), checked against the serializer. */
  async state(): Promise<State> {
    return (await this.#read('state')).state;
  }

  /** Sequence number of the entity's last stored event (0 before any). */
  async lastSequenceNr(): Promise<number> {
    return (await this.#read('lastSequenceNr')).position;
  }

  /** Every event stored so far, oldest first, as the journal gives it back (after the serializer). */
  async persistedEvents(): Promise<unknown[]> {
    const events: unknown[] = [];
    for await (const repr of this.journal.replay(this.persistenceId, 1, Number.MAX_SAFE_INTEGER)) events.push(repr.event);
    return events;
  }

  /**
   * Stops the runtime as a process exit would, starts a new one over the same stores, recovers
   * the entity and resolves with its state. Rejects with an InvalidStateError naming the first
   * difference when recovery does not give back the state the entity had.
   */
  async restart(): Promise<State> {
    assertKitOpen(this.#closed, this.persistenceId, 'restart');
    return this.#runtime.restart(this.persistenceId, {
      outcome: 'recovery gave another state than the entity had',
      position: 'the last sequence number',
    });
  }

  /** Stops the runtime and drops the stores. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#runtime.close();
    await Promise.all([this.journal.close(), this.snapshotStore.close()]);
  }

  #read(during: string): Promise<Observed<State>> {
    return this.#runtime.read(this.persistenceId, during);
  }

  /** The definition with handlers that let the kit read the state and see the events. */
  #observing(definition: EntityDefinition<State, Command, Event>): EntityDefinition<State, Command | typeof READ_STATE, Event> {
    const { kind, recoverySettings, retentionSettings, codec, eventAdapterSet, deliverySettings, ...options } = definition;
    return defineEntity<State, Command | typeof READ_STATE, Event>({
      ...options,
      commandHandler: async (state, command, context) => {
        if (command === READ_STATE) {
          this.#runtime.saw({ state, position: context.lastSequenceNr });
          return Effect.none();
        }
        const effect = await definition.commandHandler(state, command, context);
        const events = effect?.spec?.events ?? [];
        events.forEach((event, index) => {
          const stored = eventAdapterSet.toJournal(event, context.persistenceId).event;
          const sequenceNr = context.lastSequenceNr + index + 1;
          requireRoundTrip(stored, this.serialization, 'event', context.persistenceId, `event ${sequenceNr}, persisted by the command`);
        });
        this.#emitted.push(...events);
        return effect;
      },
    });
  }
}

/**
 * A test kit for entity `options.entityId` (default `test`) of `definition`:
 *
 * ```ts
 * const kit = eventSourcedTestKit(Counter);
 * const result = await kit.run({ type: 'add', amount: 2 });
 * expect(result.events).toEqual([{ type: 'added', amount: 2 }]);
 * expect(await kit.restart()).toEqual(result.state);
 * ```
 */
export function eventSourcedTestKit<State, Command, Event>(
  definition: EntityDefinition<State, Command, Event>,
  options?: EventSourcedTestKitOptions,
): EventSourcedTestKit<State, Command, Event> {
  return new EventSourcedTestKit(definition, options);
}
