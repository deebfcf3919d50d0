/**
 * Spawners: how the registry creates a behavior for a persistence id, one per front end.
 * @module
 */
import { describeValue, InvalidArgumentError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { validateFunction, validateInteger } from '../core/validation.js';
import type { DurableStateStore } from '../spi/durable-state-store.js';
import { EventAdapters } from './adapters/event-adapters.js';
import type { BehaviorSettings, EntityBehavior, EntityHandle, EntitySpawner } from './cell/entity-behavior.js';
import type { ActorRef } from './cell/entity-ref.js';
import { ActorBehavior } from './classic/actor-behavior.js';
import { extensionOf, PersistentActor } from './classic/persistent-actor.js';
import { DurableBehavior } from './durable/durable-behavior.js';
import type { DurableEntityDefinition } from './durable/durable-entity-definition.js';
import { DEFAULT_RECOVERY, recoverySettings } from './recovery/recovery-settings.js';
import { DEFAULT_SNAPSHOT_VERSION, SnapshotCodec, validateSnapshotVersion } from './recovery/snapshot-versioning.js';
import type { EntityDefinition } from './typed/entity-definition.js';
import { validateAdapter, validateStashOverflow } from './typed/entity-definition.js';
import { TypedBehavior } from './typed/typed-behavior.js';
import { NO_RETENTION, retentionSettings } from './writers/retention.js';

/** Spawns typed entities of one definition; recovers on the first command. */
export function entitySpawner<S, C, E>(definition: EntityDefinition<S, C, E>, entityId: string, persistenceId: string): EntitySpawner {
  return {
    persistenceId,
    key: definition,
    eager: false,
    settings: {
      recovery: definition.recoverySettings,
      retention: definition.retentionSettings,
      codec: definition.codec as SnapshotCodec<unknown>,
      snapshotAfterIdleMs: definition.snapshotAfterIdleMs,
      maxSnapshotBytes: definition.maxSnapshotBytes,
      stashOverflow: definition.stashOverflow ?? 'fail',
      eventAdapters: definition.eventAdapterSet,
    },
    create: (entity: EntityHandle): EntityBehavior => new TypedBehavior(definition, entity, entityId),
  };
}

/** Spawns durable state entities of one definition; loads on the first command. */
export function durableSpawner<S, C>(
  definition: DurableEntityDefinition<S, C>,
  store: DurableStateStore,
  entityId: string,
  persistenceId: string,
): EntitySpawner {
  return {
    persistenceId,
    key: definition,
    eager: false,
    // Durable entities take no snapshots and replay no events: the settings stay at their defaults.
    settings: {
      recovery: DEFAULT_RECOVERY,
      retention: NO_RETENTION,
      codec: new SnapshotCodec<unknown>(DEFAULT_SNAPSHOT_VERSION, undefined),
      snapshotAfterIdleMs: undefined,
      maxSnapshotBytes: undefined,
      stashOverflow: 'fail',
      eventAdapters: EventAdapters.none,
    },
    create: (entity: EntityHandle): EntityBehavior => new DurableBehavior(definition, store, entity, entityId),
  };
}

/** Spawns a classic actor from its factory; a fresh instance for every recovery. */
export class ActorSpawner implements EntitySpawner {
  readonly persistenceId: string;
  readonly settings: BehaviorSettings;
  readonly eager = true;
  /** Set by the registry once the reference exists. */
  self: ActorRef | undefined;
  #spare: PersistentActor | undefined;

  constructor(private readonly factory: () => PersistentActor) {
    validateFunction(factory, 'factory');
    const first = this.#instantiate();
    this.#spare = first;
    this.persistenceId = first.persistenceId;
    const at = (field: string) => `${first.constructor.name}.${field} (persistence id ${JSON.stringify(first.persistenceId)})`;
    if (first.snapshotAfterIdleMs !== undefined) validateInteger(first.snapshotAfterIdleMs, at('snapshotAfterIdleMs'), {}, { min: 1 });
    if (first.maxSnapshotBytes !== undefined) validateInteger(first.maxSnapshotBytes, at('maxSnapshotBytes'), {}, { min: 1 });
    validateAdapter(first.snapshotAdapter, at('snapshotAdapter'));
    extensionOf(first)?.validate(at);
    const version =
      first.snapshotVersion === undefined
        ? DEFAULT_SNAPSHOT_VERSION
        : validateSnapshotVersion(first.snapshotVersion, at('snapshotVersion'));
    this.settings = {
      recovery: recoverySettings(first.recovery, at('recovery'), first.persistenceId),
      retention: retentionSettings(first.retention, at('retention'), first.persistenceId),
      codec: new SnapshotCodec<unknown>(version, first.snapshotAdapter),
      snapshotAfterIdleMs: first.snapshotAfterIdleMs,
      maxSnapshotBytes: first.maxSnapshotBytes,
      stashOverflow: validateStashOverflow(first.stashOverflow, at('stashOverflow')),
      eventAdapters: EventAdapters.from(first.eventAdapters, at('eventAdapters')),
    };
  }

  get key(): unknown {
    return this.factory;
  }

  create(entity: EntityHandle): EntityBehavior {
    const actor = this.#spare ?? this.#instantiate();
    this.#spare = undefined;
    if (actor.persistenceId !== this.persistenceId) {
      throw new InvalidArgumentError(
        'factory',
        `factory: expected an actor with persistence id ${JSON.stringify(this.persistenceId)}, found ${describeValue(actor.persistenceId)}`,
        {
          persistenceId: this.persistenceId,
          expected: this.persistenceId,
          actual: actor.persistenceId,
        },
      );
    }
    return new ActorBehavior(actor, entity, this.self as ActorRef);
  }

  #instantiate(): PersistentActor {
    const actor = this.factory();
    if (!(actor instanceof PersistentActor)) {
      throw new InvalidArgumentError('factory', `factory: expected it to return a PersistentActor, found ${describeValue(actor)}`, {
        expected: 'PersistentActor',
        actual: actor,
      });
    }
    validatePersistenceId(actor.persistenceId, `${actor.constructor.name}.persistenceId`);
    return actor;
  }
}
