/**
 * `machineTestKit`: runs a state definition in a `Machine` over a memory journal and a
 * `StoreRecorder` on a memory snapshot store, both serializing like a database. Each `run`
 * resolves with the action and the state; `snapshots()` gives what the recorder stored;
 * `restart()` starts a new machine on the same stores and checks it reaches the same state.
 * @module
 */
import { invalidArgument, validateInteger } from '../core/validation.js';
import type { Action } from '../machine/action.js';
import { JournalReader } from '../machine/journal-reader.js';
import { JournalWriter } from '../machine/journal-writer.js';
import { Machine } from '../machine/machine.js';
import type { Snapshot } from '../machine/recorder.js';
import type { ActionHandlers, PayloadOf, StateDefinition } from '../machine/state-definition.js';
import { StoreRecorder } from '../machine/store-recorder.js';
import { MemoryJournal } from '../memory/memory-journal.js';
import { MemorySnapshotStore } from '../memory/memory-snapshot-store.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import type { Serialization } from '../serialization/serialization.js';
import { assertKitOpen, restartChecked } from './kit-checks.js';
import { requireRoundTrip, serializationOf, type TestKitSerialization } from './serialization-check.js';

/** Options of {@link machineTestKit}. */
export interface MachineTestKitOptions {
  /** The journal persistence id the machine reads and writes. @default 'test' */
  readonly persistenceId?: string;
  /** What the application stores with; every action payload and state must come back from it exactly. @default new Serialization() (JSON) */
  readonly serialization?: TestKitSerialization;
  /** The recorder stores a snapshot after every this many actions; restart resumes from the latest. @default 1 */
  readonly snapshotEvery?: number;
  /** Where the machine reports. @default silent */
  readonly logger?: Logger;
}

/** What one action did. */
export interface ActionResult<S> {
  /** The action as the journal delivered it back (id, type, payload, sequence number). */
  readonly action: Action;
  /** The state after the action. */
  readonly state: S;
}

/** Runs one machine in memory; see {@link machineTestKit}. */
export class MachineTestKit<S, H extends ActionHandlers<S>> {
  /** The journal persistence id the machine reads and writes. */
  readonly persistenceId: string;
  /** The journal actions go to (serialized in memory). */
  readonly journal: MemoryJournal;
  /** The snapshot store the recorder writes to (serialized in memory). */
  readonly snapshotStore: MemorySnapshotStore;
  /** The serialization payloads, snapshots and states are checked with. */
  readonly serialization: Serialization;
  readonly #definition: StateDefinition<S, H>;
  readonly #every: number;
  readonly #logger: Logger;
  readonly #errors: Error[] = [];
  #machine: Machine<S, H>;
  #started: Promise<void>;
  #closed = false;

  constructor(definition: StateDefinition<S, H>, options: MachineTestKitOptions = {}) {
    if (typeof definition !== 'object' || definition === null || !Array.isArray(definition.actionTypes))
      invalidArgument('definition', 'a state definition made by defineState()', definition);
    if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
    this.#definition = definition;
    this.persistenceId = options.persistenceId ?? 'test';
    this.#every = validateInteger(options.snapshotEvery ?? 1, 'options.snapshotEvery', {}, { min: 1 });
    this.#logger = options.logger ?? silentLogger;
    this.serialization = serializationOf(options.serialization, 'options.serialization');
    this.journal = new MemoryJournal({ serialization: this.serialization });
    this.snapshotStore = new MemorySnapshotStore({ serialization: this.serialization });
    this.#machine = this.#create();
    this.#started = this.#begin();
  }

  /** The machine being tested (a new one after each {@link restart}). */
  get machine(): Machine<S, H> {
    return this.#machine;
  }

  /** Errors the machine reported since the last `run` (skipped actions, recorder failures). */
  get errors(): readonly Error[] {
    return [...this.#errors];
  }

  /**
   * Dispatches an action and resolves with it and the state after it. Rejects with the
   * handler's error (the action is skipped), and with a SerializationError naming the path when
   * the payload or the state would not survive the configured serializer.
   */
  async run<K extends keyof H & string>(type: K, payload: PayloadOf<H[K]>): Promise<ActionResult<S>> {
    assertKitOpen(this.#closed, this.persistenceId, 'run');
    await this.#started;
    requireRoundTrip(payload, this.serialization, 'payload', this.persistenceId, `action ${JSON.stringify(type)}`);
    this.#errors.length = 0;
    const state = await this.#machine.run(type, payload);
    requireRoundTrip(state, this.serialization, 'state', this.persistenceId, `after action ${JSON.stringify(type)}`);
    return { action: this.#machine.lastAction as Action, state };
  }

  /** The machine's current state. */
  async state(): Promise<S> {
    await this.#started;
    return this.#machine.state;
  }

  /** The snapshots the recorder stored, oldest first, as the snapshot store gives them back. */
  async snapshots(): Promise<Snapshot<S, Action>[]> {
    await this.#started;
    await this.#machine.recorder.flush?.();
    return (await this.#machine.recorder.getSnapshots?.()) ?? [];
  }

  /**
   * Stops the machine, starts a new one on the same journal and snapshot store (latest snapshot
   * plus the actions after it) and resolves with its state once caught up; rejects with an
   * InvalidStateError naming the first difference when it is not the state before.
   */
  async restart(): Promise<S> {
    assertKitOpen(this.#closed, this.persistenceId, 'restart');
    return restartChecked(
      this.persistenceId,
      {
        before: async () => {
          await this.#started;
          return { state: this.#machine.state };
        },
        restart: async () => {
          await this.#machine.stop();
          this.#machine = this.#create();
          this.#started = this.#begin();
          await this.#started;
        },
        after: async () => ({ state: await this.#machine.caughtUp() }),
      },
      { outcome: 'the restarted machine reached another state than' },
    );
  }

  /** Stops the machine and drops the stores. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#started.catch(() => {});
    await this.#machine.stop();
    await Promise.all([this.journal.close(), this.snapshotStore.close()]);
  }

  /** Starts the machine; a failure reaches the next call that awaits it, not `unhandledRejection`. */
  #begin(): Promise<void> {
    const started = this.#machine.start();
    started.catch(() => {});
    return started;
  }

  #create(): Machine<S, H> {
    const recorder = new StoreRecorder<S>(this.snapshotStore, { persistenceId: this.persistenceId, every: this.#every });
    return new Machine(
      this.#definition,
      new JournalReader(this.journal, this.persistenceId),
      new JournalWriter(this.journal, this.persistenceId),
      recorder,
      { logger: this.#logger, onError: (error) => this.#errors.push(error) },
    );
  }
}

/** A test kit running `definition` in a machine over memory stores. */
export function machineTestKit<S, H extends ActionHandlers<S>>(
  definition: StateDefinition<S, H>,
  options?: MachineTestKitOptions,
): MachineTestKit<S, H> {
  return new MachineTestKit(definition, options);
}
