/**
 * `createPersistence`: the registry of running entities over one set of stores. Both
 * front ends spawn here (`entity` for typed definitions, `actorOf` for classic actors),
 * and share its mailboxes, stash limit, passivation and store access.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { describeValue, InvalidArgumentError, InvalidStateError } from '../core/errors.js';
import { invalidArgument, validateInteger } from '../core/validation.js';
import type { PersistenceHooks } from '../observability/hooks.js';
import { type Logger, type LoggerOption, resolveLogger } from '../observability/logger.js';
import type { Telemetry } from '../observability/telemetry.js';
import { breakerJournal, breakerSnapshotStore } from '../spi/breaker-stores.js';
import {
  type BreakerClock,
  CircuitBreaker,
  type CircuitBreakerOptions,
  circuitBreakerSettings,
  JOURNAL_BREAKER_DEFAULTS,
  SNAPSHOT_BREAKER_DEFAULTS,
} from '../spi/circuit-breaker.js';
import type { DurableStateStore } from '../spi/durable-state-store.js';
import type { Journal } from '../spi/journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import { tracedDurableStateStore } from '../spi/traced-durable-state-store.js';
import { tracedJournal } from '../spi/traced-journal.js';
import { tracedSnapshotStore } from '../spi/traced-snapshot-store.js';
import type { EntitySpawner } from './cell/entity-behavior.js';
import { EntityCell } from './cell/entity-cell.js';
import { entityPersistenceId } from './cell/entity-persistence-id.js';
import type { ActorRef, EntityRef } from './cell/entity-ref.js';
import { PromiseChannel } from './cell/mailbox.js';
import { DEFAULT_RECOVERY_IDLE_TIMEOUT_MS } from './cell/recovery-watchdog.js';
import { PersistenceClosedError } from './cell/runtime-errors.js';
import type { PersistentActor } from './classic/persistent-actor.js';
import { type DurableEntityDefinition, isDurableEntityDefinition } from './durable/durable-entity-definition.js';
import { checkEncryption } from './encryption-check.js';
import { ActorSpawner, durableSpawner, entitySpawner } from './spawners.js';
import { type EntityDefinition, isEntityDefinition } from './typed/entity-definition.js';

/** When entities leave memory. */
export interface PassivationOptions {
  /** Drop an entity after this many milliseconds without messages. @default undefined (never) */
  readonly idleMs?: number;
  /** Keep at most this many entities in memory, dropping the least recently used idle ones. @default undefined (no limit) */
  readonly maxEntities?: number;
}

/** Options of {@link createPersistence}. */
export interface PersistenceOptions {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  /** Where durable state entities (`durableEntity`) keep their state; closed with the others. @default undefined */
  readonly durableStateStore?: DurableStateStore;
  /** Where recovery, persist and snapshot problems are reported (see LoggerOption); false for none. @default warnings and errors on stderr */
  readonly logger?: LoggerOption;
  /** `onSnapshotSkipped` hears of snapshots recovery ignored for their version. @default none */
  readonly hooks?: PersistenceHooks;
  /** Commands that may wait per entity during recovery or a persist; more are refused. @default 1000 */
  readonly stashCapacity?: number;
  /**
   * Recovery fails with RecoveryTimedOutError (the next command tries again) when the journal
   * or snapshot store gives no answer for this long; each event replayed restarts the wait. @default 30000
   */
  readonly recoveryIdleTimeoutMs?: number;
  /** When idle entities leave memory. @default never */
  readonly passivation?: PassivationOptions;
  /**
   * Refuse (InvalidArgumentError) any store that would write plaintext: every store must
   * expose a `serialization` with encryption. Without it, stores that disagree are only
   * warned about through the logger. @default false
   */
  readonly requireEncryption?: boolean;
  /**
   * Traces and measures journal, snapshot, durable state and recovery operations, e.g.
   * `openTelemetry()` (docs/observability.md). @default none: nothing is wrapped or measured
   */
  readonly telemetry?: Telemetry;
  /**
   * Akka's circuit breakers around the stores (docs/entities.md#circuit-breakers): after
   * `maxFailures` failures in a row, calls fail at once with CircuitOpenError for
   * `resetTimeoutMs`, then one trial call decides. `false` turns one off.
   * @default journal { maxFailures: 10, callTimeoutMs: 10000, resetTimeoutMs: 30000 }, snapshotStore { 5, 20000, 60000 }
   */
  readonly circuitBreakers?: {
    readonly journal?: CircuitBreakerOptions;
    readonly snapshotStore?: CircuitBreakerOptions;
    /** Where the breakers read the time when deciding to half-open (tests). @default Date */
    readonly clock?: BreakerClock;
  };
}

/** Default of {@link PersistenceOptions.stashCapacity}. */
export const DEFAULT_STASH_CAPACITY = 1000;

/** Runs entities and actors over one journal and snapshot store. */
export class Persistence {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly durableStateStore: DurableStateStore | undefined;
  readonly logger: Logger;
  readonly #cells = new Map<string, EntityCell>();
  readonly #retiring = new Set<Promise<void>>();
  readonly #retired = new WeakSet<EntityCell>();
  /** Passivations still finishing, by persistence id: the next incarnation waits for them. */
  readonly #retiringById = new Map<string, Promise<void>>();
  readonly #maxEntities: number | undefined;
  readonly #deps: ConstructorParameters<typeof EntityCell>[1];
  /** The durable state store as entities use it (traced when telemetry is on). */
  readonly #durableStateStore: DurableStateStore | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: PersistenceOptions) {
    if (typeof options !== 'object' || options === null) invalidArgument('options', 'a persistence options object', options);
    requireStore(options.journal, 'options.journal', ['write', 'replay', 'highestSequenceNr', 'deleteTo', 'close']);
    requireStore(options.snapshotStore, 'options.snapshotStore', ['load', 'save', 'delete', 'deleteMatching', 'list', 'close']);
    if (options.durableStateStore !== undefined)
      requireStore(options.durableStateStore, 'options.durableStateStore', ['get', 'upsert', 'delete', 'close']);
    const stashCapacity =
      options.stashCapacity === undefined
        ? DEFAULT_STASH_CAPACITY
        : validateInteger(options.stashCapacity, 'options.stashCapacity', {}, { min: 1 });
    const recoveryIdleTimeoutMs =
      options.recoveryIdleTimeoutMs === undefined
        ? DEFAULT_RECOVERY_IDLE_TIMEOUT_MS
        : validateInteger(options.recoveryIdleTimeoutMs, 'options.recoveryIdleTimeoutMs', {}, { min: 1 });
    const passivation = options.passivation ?? {};
    if (typeof passivation !== 'object' || passivation === null)
      invalidArgument('options.passivation', 'a passivation options object', passivation);
    const idleMs =
      passivation.idleMs === undefined ? undefined : validateInteger(passivation.idleMs, 'options.passivation.idleMs', {}, { min: 1 });
    this.#maxEntities =
      passivation.maxEntities === undefined
        ? undefined
        : validateInteger(passivation.maxEntities, 'options.passivation.maxEntities', {}, { min: 1 });
    if (options.requireEncryption !== undefined && typeof options.requireEncryption !== 'boolean')
      invalidArgument('options.requireEncryption', 'a boolean', options.requireEncryption);
    this.logger = resolveLogger(options.logger);
    checkEncryption(
      [
        { name: 'options.journal', store: options.journal },
        { name: 'options.snapshotStore', store: options.snapshotStore },
        ...(options.durableStateStore ? [{ name: 'options.durableStateStore', store: options.durableStateStore }] : []),
      ],
      this.logger,
      options.requireEncryption ?? false,
    );
    this.journal = options.journal;
    this.snapshotStore = options.snapshotStore;
    this.durableStateStore = options.durableStateStore;
    const telemetry = options.telemetry;
    if (telemetry !== undefined && (typeof telemetry?.run !== 'function' || typeof telemetry.start !== 'function'))
      invalidArgument('options.telemetry', 'a Telemetry (e.g. openTelemetry())', telemetry);
    this.#durableStateStore =
      telemetry && options.durableStateStore ? tracedDurableStateStore(options.durableStateStore, telemetry) : options.durableStateStore;
    const breakers = options.circuitBreakers ?? {};
    if (typeof breakers !== 'object' || breakers === null)
      invalidArgument('options.circuitBreakers', 'circuit breaker options ({ journal, snapshotStore, clock })', breakers);
    const journalBreaker = circuitBreakerSettings(breakers.journal, JOURNAL_BREAKER_DEFAULTS, 'options.circuitBreakers.journal');
    const snapshotBreaker = circuitBreakerSettings(
      breakers.snapshotStore,
      SNAPSHOT_BREAKER_DEFAULTS,
      'options.circuitBreakers.snapshotStore',
    );
    // Telemetry outside the breaker, so that calls the breaker refuses show as failed spans.
    let journal = journalBreaker
      ? breakerJournal(this.journal, new CircuitBreaker('journal', journalBreaker, breakers.clock))
      : this.journal;
    let snapshotStore = snapshotBreaker
      ? breakerSnapshotStore(this.snapshotStore, new CircuitBreaker('snapshot store', snapshotBreaker, breakers.clock))
      : this.snapshotStore;
    if (telemetry) {
      journal = tracedJournal(journal, telemetry);
      snapshotStore = tracedSnapshotStore(snapshotStore, telemetry);
    }
    this.#deps = {
      journal,
      snapshotStore,
      telemetry,
      logger: this.logger,
      hooks: options.hooks,
      writerId: randomUUID(),
      stashCapacity,
      recoveryIdleTimeoutMs,
      idleMs,
      onRetire: (cell) => this.#retire(cell),
    };
  }

  /** Entities and actors currently in memory. */
  get entitiesInMemory(): number {
    return this.#cells.size;
  }

  /** A reference to entity `id` of `definition`; its persistence id is `name|id`. */
  entity<State, Command, Event>(definition: EntityDefinition<State, Command, Event>, id: string): EntityRef<Command> {
    if (!isEntityDefinition(definition)) invalidArgument('definition', 'a definition made by defineEntity', definition);
    const persistenceId = entityPersistenceId(definition.name, id);
    return this.#ref<Command>(entitySpawner(definition, id, persistenceId));
  }

  /** A reference to durable state entity `id` of `definition` (persistence id `name|id`); needs `durableStateStore`. */
  durableEntity<State, Command>(definition: DurableEntityDefinition<State, Command>, id: string): EntityRef<Command> {
    if (!isDurableEntityDefinition(definition)) invalidArgument('definition', 'a definition made by defineDurableEntity', definition);
    const persistenceId = entityPersistenceId(definition.name, id);
    const store = this.#durableStateStore;
    if (!store) {
      throw new InvalidStateError(
        `durableEntity(${JSON.stringify(definition.name)}): no durable state store configured; pass createPersistence({ durableStateStore })`,
        { persistenceId, expected: 'a durableStateStore in createPersistence options', actual: 'none' },
      );
    }
    return this.#ref<Command>(durableSpawner(definition, store, id, persistenceId));
  }

  /** Spawns a classic actor (recovery starts now); `factory` is called again for each later recovery. */
  actorOf<Message = unknown>(factory: () => PersistentActor): ActorRef<Message> {
    this.#assertOpen();
    const spawner = new ActorSpawner(factory);
    if (this.#cells.has(spawner.persistenceId)) {
      throw new InvalidArgumentError(
        'factory',
        `actorOf: an entity with persistence id ${JSON.stringify(spawner.persistenceId)} is already running`,
        {
          persistenceId: spawner.persistenceId,
          expected: 'a persistence id not in use',
          actual: spawner.persistenceId,
        },
      );
    }
    const ref = this.#ref<Message>(spawner);
    spawner.self = ref;
    this.#cellFor(spawner);
    return ref;
  }

  /** Resolves when no entity has queued or running work and background snapshot work is done. */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([...[...this.#cells.values()].map((cell) => cell.idle()), ...this.#retiring]);
      if (this.#retiring.size === 0 && [...this.#cells.values()].every((cell) => cell.isIdle)) return;
    }
  }

  /** Finishes queued work, passivates every entity, then closes the stores. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.idle();
    for (const cell of [...this.#cells.values()]) this.#retire(cell);
    await Promise.all(this.#retiring);
    const stores = [this.journal, this.snapshotStore, this.durableStateStore].filter((store) => store !== undefined);
    const results = await Promise.allSettled(stores.map((store) => store.close()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  #assertOpen(persistenceId?: string): void {
    if (this.#closing) {
      throw new PersistenceClosedError(`persistence is closed${persistenceId ? `: cannot send to ${JSON.stringify(persistenceId)}` : ''}`, {
        persistenceId,
        expected: 'open',
        actual: 'closed',
      });
    }
  }

  #ref<Command>(spawner: EntitySpawner): EntityRef<Command> {
    const send = (command: Command, onError?: (error: unknown) => void): Promise<unknown> => {
      const channel = new PromiseChannel(onError);
      try {
        this.#assertOpen(spawner.persistenceId);
        this.#cellFor(spawner).send(command, channel);
      } catch (error) {
        channel.reject(error);
      }
      return channel.promise;
    };
    return {
      persistenceId: spawner.persistenceId,
      ask: <Reply>(command: Command) => send(command) as Promise<Reply>,
      tell: (command: Command) => {
        // A closed persistence is the caller's mistake, not a command failure: say so at once.
        this.#assertOpen(spawner.persistenceId);
        void send(command, (error) =>
          this.logger.warn('[memento] [runtime] a command sent with tell failed', {
            persistenceId: spawner.persistenceId,
            error: String(error),
          }),
        );
      },
    };
  }

  #cellFor(spawner: EntitySpawner): EntityCell {
    const existing = this.#cells.get(spawner.persistenceId);
    if (existing) {
      if (existing.spawner.key !== spawner.key) {
        throw new InvalidArgumentError(
          'definition',
          `persistence id ${JSON.stringify(spawner.persistenceId)} is already in use by another definition or actor`,
          {
            persistenceId: spawner.persistenceId,
            expected: 'one definition per persistence id',
            actual: describeValue(spawner.key),
          },
        );
      }
      // Moved to the end only when a limit evicts the least recently used: without one the order serves nothing.
      if (this.#maxEntities !== undefined) {
        this.#cells.delete(spawner.persistenceId);
        this.#cells.set(spawner.persistenceId, existing);
        this.#evictBeyondLimit(existing);
      }
      return existing;
    }
    const cell = new EntityCell(spawner, this.#deps, this.#retiringById.get(spawner.persistenceId));
    this.#cells.set(spawner.persistenceId, cell);
    this.#evictBeyondLimit(cell);
    return cell;
  }

  #evictBeyondLimit(keep: EntityCell): void {
    if (this.#maxEntities === undefined) return;
    for (const cell of this.#cells.values()) {
      if (this.#cells.size <= this.#maxEntities) return;
      if (cell !== keep && cell.isIdle) this.#retire(cell);
    }
  }

  #retire(cell: EntityCell): void {
    if (this.#retired.has(cell)) return;
    this.#retired.add(cell);
    if (this.#cells.get(cell.persistenceId) === cell) this.#cells.delete(cell.persistenceId);
    const done = cell
      .passivate()
      .catch((error) =>
        this.logger.error('[memento] [runtime] passivation failed', { persistenceId: cell.persistenceId, error: String(error) }),
      );
    this.#retiring.add(done);
    this.#retiringById.set(cell.persistenceId, done);
    void done.finally(() => {
      this.#retiring.delete(done);
      if (this.#retiringById.get(cell.persistenceId) === done) this.#retiringById.delete(cell.persistenceId);
    });
  }
}

/** Creates the runtime over a journal and snapshot store; close it with `close()`. */
export function createPersistence(options: PersistenceOptions): Persistence {
  return new Persistence(options);
}

function requireStore(store: unknown, argument: string, methods: readonly string[]): void {
  const missing =
    typeof store === 'object' && store !== null
      ? methods.filter((name) => typeof (store as Record<string, unknown>)[name] !== 'function')
      : methods;
  if (missing.length > 0) invalidArgument(argument, `a store with ${methods.join(', ')}`, store);
}
