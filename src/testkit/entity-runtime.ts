/**
 * The runtime an entity test kit runs its one entity in: commands go through it, the state is
 * read through a private command the kit's wrapped handler answers, and a restart closes it as a
 * process exit would and starts a new one over the same stores, checking the entity comes back
 * as it was.
 * @module
 */
import { InvalidStateError } from '../core/errors.js';
import type { Persistence } from '../runtime/persistence.js';
import type { Serialization } from '../serialization/serialization.js';
import { type RestartWording, restartChecked } from './kit-checks.js';
import { requireRoundTrip } from './serialization-check.js';

/** What the entity showed the kit: its state and stored position (last sequence number, revision). */
export interface Observed<State> {
  readonly state: State;
  readonly position: number;
}

/** How a kit builds and talks to its runtime. */
export interface EntityRuntimeSetup {
  /** Starts a runtime over the kit's stores, which must survive the runtime's close. */
  start(): Persistence;
  /** Sends `command` to the kit's entity in `persistence`. */
  ask(persistence: Persistence, command: unknown): Promise<unknown>;
  /** The private command the wrapped handler answers by calling {@link EntityRuntime.saw}. */
  readonly readCommand: symbol;
  /** What the state read must survive. */
  readonly serialization: Serialization;
}

/** The restartable runtime of one entity test kit. */
export class EntityRuntime<State> {
  readonly #setup: EntityRuntimeSetup;
  #persistence: Persistence;
  #seen: Observed<State> | undefined;

  constructor(setup: EntityRuntimeSetup) {
    this.#setup = setup;
    this.#persistence = setup.start();
  }

  /** The runtime running now (a new one after each restart). */
  get persistence(): Persistence {
    return this.#persistence;
  }

  /** Sends `command` to the entity. */
  ask(command: unknown): Promise<unknown> {
    return this.#setup.ask(this.#persistence, command);
  }

  /** Called by the wrapped command handler, on the private command, with what it was given. */
  saw(observed: Observed<State>): void {
    this.#seen = observed;
  }

  /**
   * Resolves with what the entity shows, its state checked to survive the serializer (`during`
   * says when, in the error).
   */
  async read(persistenceId: string, during: string): Promise<Observed<State>> {
    this.#seen = undefined;
    await this.ask(this.#setup.readCommand);
    const observed = this.#seen as Observed<State> | undefined;
    if (!observed) throw new InvalidStateError(`${persistenceId}: the entity did not answer the test kit`, { source: 'testkit' });
    requireRoundTrip(observed.state, this.#setup.serialization, 'state', persistenceId, during);
    return observed;
  }

  /** Restarts the runtime and resolves with the entity's state; see {@link restartChecked}. */
  restart(persistenceId: string, wording: RestartWording): Promise<State> {
    return restartChecked(
      persistenceId,
      {
        before: () => this.read(persistenceId, 'state before restart'),
        restart: async () => {
          await this.#persistence.close();
          this.#persistence = this.#setup.start();
        },
        after: () => this.read(persistenceId, 'state after restart'),
      },
      wording,
    );
  }

  /** Closes the runtime; the stores are the kit's to close. */
  close(): Promise<void> {
    return this.#persistence.close();
  }
}
