/**
 * `durableStateTestKit`: runs commands against a durable state entity definition in memory,
 * over a memory durable state store that serializes like a database. Each result holds the
 * state stored (if any), the reply, the state and revision; `restart()` loads the entity in a
 * new runtime and checks it comes back the same.
 * @module
 */
import { invalidArgument } from '../core/validation.js';
import { MemoryDurableStateStore } from '../memory/memory-durable-state-store.js';
import { MemoryJournal } from '../memory/memory-journal.js';
import { MemorySnapshotStore } from '../memory/memory-snapshot-store.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { ReplyOf } from '../runtime/cell/entity-ref.js';
import { DurableEffect } from '../runtime/durable/durable-effect.js';
import {
  type DurableEntityDefinition,
  defineDurableEntity,
  isDurableEntityDefinition,
} from '../runtime/durable/durable-entity-definition.js';
import { createPersistence } from '../runtime/persistence.js';
import type { Serialization } from '../serialization/serialization.js';
import { EntityRuntime, type Observed } from './entity-runtime.js';
import { keptOpen } from './kept-store.js';
import { assertKitOpen } from './kit-checks.js';
import { requireRoundTrip, serializationOf, type TestKitSerialization } from './serialization-check.js';

/** Options of {@link durableStateTestKit}. */
export interface DurableStateTestKitOptions {
  /** The entity id; the persistence id is `name|id`. @default 'test' */
  readonly entityId?: string;
  /** What the application stores with; every stored state must come back from it exactly. @default new Serialization() (JSON) */
  readonly serialization?: TestKitSerialization;
  /** Where the runtime reports. @default silent */
  readonly logger?: Logger;
}

/** What one command did to a durable state entity. */
export interface DurableCommandResult<Command, State, Reply> {
  /** The command as sent. */
  readonly command: Command;
  /** What the command stored: `persist` with the new state, `delete`, or `none`. */
  readonly stored: { readonly kind: 'persist'; readonly state: State } | { readonly kind: 'delete' } | { readonly kind: 'none' };
  /** What `ask` resolved with (undefined when the handler gave no reply). */
  readonly reply: Reply;
  /** The entity's state after the command. */
  readonly state: State;
  /** The stored revision after the command (0: never stored). */
  readonly revision: number;
}

const READ_STATE = Symbol('memento.testkit.readDurableState');

/** Runs one durable state entity in memory; see {@link durableStateTestKit}. */
export class DurableStateTestKit<State, Command> {
  /** The entity's persistence id (`name|id`). */
  readonly persistenceId: string;
  /** The durable state store the entity writes to (serialized in memory). */
  readonly store: MemoryDurableStateStore;
  /** The serialization states are checked with. */
  readonly serialization: Serialization;
  readonly #definition: DurableEntityDefinition<State, Command | typeof READ_STATE>;
  readonly #entityId: string;
  readonly #logger: Logger;
  readonly #runtime: EntityRuntime<State>;
  #stored: DurableCommandResult<Command, State, unknown>['stored'] = { kind: 'none' };
  #closed = false;

  constructor(definition: DurableEntityDefinition<State, Command>, options: DurableStateTestKitOptions = {}) {
    if (!isDurableEntityDefinition(definition)) invalidArgument('definition', 'a definition made by defineDurableEntity', definition);
    if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
    this.#entityId = options.entityId ?? 'test';
    this.#logger = options.logger ?? silentLogger;
    this.serialization = serializationOf(options.serialization, 'options.serialization');
    this.store = new MemoryDurableStateStore({ serialization: this.serialization });
    this.#definition = this.#observing(definition);
    this.#runtime = new EntityRuntime({
      // The journal and snapshot store are required by the runtime; durable entities never use them.
      start: () =>
        createPersistence({
          journal: new MemoryJournal(),
          snapshotStore: new MemorySnapshotStore(),
          durableStateStore: keptOpen(this.store),
          logger: this.#logger,
        }),
      ask: (persistence, command) => persistence.durableEntity(this.#definition, this.#entityId).ask(command as Command),
      readCommand: READ_STATE,
      serialization: this.serialization,
    });
    this.persistenceId = this.#runtime.persistence.durableEntity(this.#definition, this.#entityId).persistenceId;
  }

  /**
   * Sends `command` and resolves with what it stored, the reply, the new state and revision.
   * Rejects with the command's error, and with a SerializationError naming the path when the
   * state would not survive the configured serializer.
   */
  async run<Sent extends Command>(command: Sent): Promise<DurableCommandResult<Sent, State, ReplyOf<Command, Sent>>> {
    assertKitOpen(this.#closed, this.persistenceId, 'run');
    this.#stored = { kind: 'none' };
    const reply = (await this.#runtime.ask(command)) as ReplyOf<Command, Sent>;
    const stored = this.#stored;
    this.#stored = { kind: 'none' };
    const { state, position: revision } = await this.#read('after the command');
    return { command, stored, reply, state, revision };
  }

  /** The entity's current state (loading it first when needed). */
  async state(): Promise<State> {
    return (await this.#read('state')).state;
  }

  /** The stored revision (0: never stored). */
  async revision(): Promise<number> {
    return (await this.#read('revision')).position;
  }

  /**
   * Stops the runtime as a process exit would, starts a new one over the same store, loads the
   * entity and resolves with its state; rejects with an InvalidStateError naming the first
   * difference when the loaded state is not the one the entity had.
   */
  async restart(): Promise<State> {
    assertKitOpen(this.#closed, this.persistenceId, 'restart');
    return this.#runtime.restart(this.persistenceId, {
      outcome: 'loading gave another state than the entity had',
      position: 'the revision',
    });
  }

  /** Stops the runtime and drops the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#runtime.close();
    await this.store.close();
  }

  #read(during: string): Promise<Observed<State>> {
    return this.#runtime.read(this.persistenceId, during);
  }

  #observing(definition: DurableEntityDefinition<State, Command>): DurableEntityDefinition<State, Command | typeof READ_STATE> {
    const { kind, ...options } = definition;
    return defineDurableEntity<State, Command | typeof READ_STATE>({
      ...options,
      commandHandler: async (state, command, context) => {
        if (command === READ_STATE) {
          this.#runtime.saw({ state, position: context.revision });
          return DurableEffect.none();
        }
        const effect = await definition.commandHandler(state, command, context);
        const spec = effect?.spec;
        if (spec?.kind === 'persist') {
          requireRoundTrip(
            spec.state,
            this.serialization,
            'state',
            context.persistenceId,
            `revision ${context.revision + 1}, stored by the command`,
          );
          this.#stored = { kind: 'persist', state: spec.state as State };
        } else if (spec?.kind === 'delete') this.#stored = { kind: 'delete' };
        return effect;
      },
    });
  }
}

/** A test kit for durable state entity `options.entityId` (default `test`) of `definition`. */
export function durableStateTestKit<State, Command>(
  definition: DurableEntityDefinition<State, Command>,
  options?: DurableStateTestKitOptions,
): DurableStateTestKit<State, Command> {
  return new DurableStateTestKit(definition, options);
}
