/**
 * The typed front end's behavior: runs the command handler, carries out its Effect
 * through the shared runtime, folds events into the state, answers the asker.
 * @module
 */
import { invalidArgument } from '../../core/validation.js';
import type { EntityBehavior, EntityHandle } from '../cell/entity-behavior.js';
import type { Envelope } from '../cell/mailbox.js';
import { EntityStoppedError, UnhandledCommandError } from '../cell/runtime-errors.js';
import { deliverSignal, type Signal } from '../cell/signals.js';
import { TypedDelivery } from '../delivery/typed-delivery.js';
import type { RecoveryTarget } from '../recovery/recovery.js';
import { messageOf } from '../recovery/snapshot-selection.js';
import type { PersistOutcome } from '../writers/event-writer.js';
import { EffectBuilder } from './effect.js';
import type { EntityDefinition } from './entity-definition.js';

/** One incarnation of a typed entity: its state and how it reacts. */
export class TypedBehavior<State, Command, Event> implements EntityBehavior {
  #state: State;
  readonly recoveryTarget: RecoveryTarget<unknown>;
  readonly #delivery: TypedDelivery<State> | undefined;

  constructor(
    private readonly definition: EntityDefinition<State, Command, Event>,
    private readonly entity: EntityHandle,
    private readonly entityId: string,
  ) {
    this.#state = definition.emptyState;
    this.#delivery = definition.deliverySettings && new TypedDelivery(definition.deliverySettings, entity);
    this.recoveryTarget = {
      onSkipped: (skipped) => this.#signal(skipped),
      onSnapshot: (offer) => {
        this.#state = offer.snapshot as State;
      },
      onEvent: (repr) => {
        this.#state = definition.eventHandler(this.#state, repr.event as Event);
      },
    };
  }

  snapshotState(): unknown {
    return this.#state;
  }

  onRecoveryCompleted(signal: Signal): void {
    this.#signal(signal);
    this.#delivery?.recovered(this.#state);
  }

  onStopped(): void {
    this.#delivery?.stopped();
  }

  onRecoveryFailed(signal: Signal): void {
    this.#signal(signal);
  }

  onSignal(signal: Signal): void {
    this.#signal(signal);
  }

  async handle(envelope: Envelope): Promise<void> {
    const { persistenceId, lastSequenceNr, logger } = this.entity;
    const produced = this.definition.commandHandler(this.#state, envelope.message as Command, {
      persistenceId,
      entityId: this.entityId,
      lastSequenceNr,
      logger,
    });
    // Most handlers answer synchronously: awaiting their Effect would only cost a tick per command.
    const effect = produced instanceof EffectBuilder ? produced : await produced;
    if (!(effect instanceof EffectBuilder)) {
      invalidArgument(
        `commandHandler result (entity ${JSON.stringify(persistenceId)})`,
        'an Effect (Effect.persist, Effect.none, ...)',
        effect,
        {
          persistenceId,
        },
      );
    }
    const spec = effect.spec;
    if (spec.kind === 'unhandled') {
      logger.debug('[memento] [runtime] unhandled command', { persistenceId });
      envelope.reply.reject(
        new UnhandledCommandError(`entity ${JSON.stringify(persistenceId)} does not handle this command in its current state`, {
          persistenceId,
        }),
      );
      return;
    }
    if (spec.kind === 'stash') {
      this.entity.stash();
      return;
    }
    // The write is awaited here rather than in an async helper: one async frame less per command.
    if (spec.kind === 'persist') {
      if (this.#delivery && !this.#withinDeliveryLimit(spec.events, envelope)) return;
      if (!this.#applyStored(await this.entity.persist(spec.events), envelope)) return;
    }
    if (spec.snapshot) void this.entity.saveSnapshot(this.#state, spec.snapshot.metadata);
    for (const sideEffect of spec.sideEffects) {
      try {
        sideEffect(this.#state);
      } catch (error) {
        logger.error('[memento] [runtime] side effect (thenRun) threw; events stay persisted', { persistenceId, error: String(error) });
      }
    }
    envelope.reply.resolve(spec.replyWith ? spec.replyWith(this.#state) : undefined);
    if (spec.unstashAll) this.entity.unstashAll();
    if (spec.stopAfter) this.entity.stop('Effect.stop');
  }

  /** Applies the events a persist stored; false (and the asker told) when storing or applying failed. */
  #applyStored(outcome: PersistOutcome, envelope: Envelope): boolean {
    if (outcome.status !== 'stored') {
      envelope.reply.reject(outcome.error);
      return false;
    }
    let predicateHit = false;
    for (const repr of outcome.reprs) {
      const event = repr.event as Event;
      try {
        this.#state = this.definition.eventHandler(this.#state, event);
        if (this.definition.snapshotWhen?.(this.#state, event, repr.sequenceNr)) predicateHit = true;
      } catch (cause) {
        const { persistenceId } = this.entity;
        this.entity.stop('event handler threw');
        envelope.reply.reject(
          new EntityStoppedError(
            `entity ${JSON.stringify(persistenceId)}: the event handler threw on event ${repr.sequenceNr} (stored); the entity stopped: ${messageOf(cause)}`,
            { persistenceId, actual: repr.sequenceNr, cause },
          ),
        );
        return false;
      }
    }
    this.entity.eventsApplied(outcome.reprs.length, predicateHit);
    this.#delivery?.applied(this.#state);
    return true;
  }

  /** Folds the events ahead (the event handler is pure) to refuse a command that would exceed maxUnconfirmedMessages. */
  #withinDeliveryLimit(events: readonly Event[], envelope: Envelope): boolean {
    let after: State;
    try {
      after = events.reduce((state, event) => this.definition.eventHandler(state, event), this.#state);
    } catch {
      return true; // a poison event: persisting reports it as it always does
    }
    try {
      this.#delivery?.assertCapacity(this.#state, after);
      return true;
    } catch (error) {
      envelope.reply.reject(error);
      return false;
    }
  }

  #signal(signal: Signal): void {
    deliverSignal(this.definition.signalHandler, this.#state, signal, this.entity);
  }
}
