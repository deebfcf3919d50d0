/**
 * The durable state front end's behavior: loads the state from the DurableStateStore
 * instead of replaying events, runs the command handler, stores the whole new state at
 * the next revision, answers the asker. Mailbox, stash and passivation are the runtime's.
 * @module
 */
import { RecoveryError } from '../../core/errors.js';
import { invalidArgument } from '../../core/validation.js';
import type { DurableStateStore } from '../../spi/durable-state-store.js';
import type { EntityBehavior, EntityHandle } from '../cell/entity-behavior.js';
import type { Envelope } from '../cell/mailbox.js';
import { UnhandledCommandError } from '../cell/runtime-errors.js';
import { deliverSignal, type RecoveryFailed } from '../cell/signals.js';
import type { RecoveryOutcome, RecoveryTarget } from '../recovery/recovery.js';
import { messageOf } from '../recovery/snapshot-selection.js';
import { DurableEffectBuilder, type DurableEffectSpec } from './durable-effect.js';
import { type DurableEntityDefinition, type DurableSignal, DurableStateLoaded } from './durable-entity-definition.js';
import { type StateChange, writeState } from './state-writer.js';

const noReplay: RecoveryTarget<unknown> = { onSkipped() {}, onSnapshot() {}, onEvent() {} };

/** One incarnation of a durable state entity: its state, revision and how it reacts. */
export class DurableBehavior<State, Command> implements EntityBehavior {
  readonly recoveryTarget = noReplay;
  #state: State;
  #revision = 0;

  constructor(
    private readonly definition: DurableEntityDefinition<State, Command>,
    private readonly store: DurableStateStore,
    private readonly entity: EntityHandle,
    private readonly entityId: string,
  ) {
    this.#state = definition.emptyState;
  }

  /** Loads the stored state and revision; a missing or deleted value means `emptyState`. */
  async load(): Promise<RecoveryOutcome> {
    const { persistenceId } = this.entity;
    let record: Awaited<ReturnType<DurableStateStore['get']>>;
    try {
      record = await this.store.get(persistenceId);
    } catch (cause) {
      throw new RecoveryError(`cannot load durable state of ${JSON.stringify(persistenceId)}: ${messageOf(cause)}`, {
        persistenceId,
        cause,
      });
    }
    this.#state = record.value === null ? this.definition.emptyState : (record.value as State);
    this.#revision = record.revision;
    return { lastSequenceNr: record.revision, snapshotSequenceNr: record.revision, replayed: 0, bytesRead: undefined };
  }

  onRecoveryCompleted(): void {
    this.#signal(DurableStateLoaded(this.#revision));
  }

  onRecoveryFailed(signal: RecoveryFailed): void {
    this.#signal(signal);
  }

  onSignal(): void {}

  async handle(envelope: Envelope): Promise<void> {
    const { persistenceId, logger } = this.entity;
    const effect = await this.definition.commandHandler(this.#state, envelope.message as Command, {
      persistenceId,
      entityId: this.entityId,
      revision: this.#revision,
      logger,
    });
    if (!(effect instanceof DurableEffectBuilder)) {
      invalidArgument(
        `commandHandler result (durable entity ${JSON.stringify(persistenceId)})`,
        'a DurableEffect (DurableEffect.persist, DurableEffect.none, ...)',
        effect,
        { persistenceId },
      );
    }
    const spec: DurableEffectSpec<State> = effect.spec;
    if (spec.kind === 'unhandled') {
      envelope.reply.reject(
        new UnhandledCommandError(`durable entity ${JSON.stringify(persistenceId)} does not handle this command in its current state`, {
          persistenceId,
        }),
      );
      return;
    }
    if (spec.kind === 'persist' || spec.kind === 'delete') {
      const change: StateChange =
        spec.kind === 'persist' ? { kind: 'upsert', value: spec.state, tag: this.definition.tag } : { kind: 'delete' };
      if (!(await this.#store(change, envelope))) return;
      this.#state = spec.kind === 'persist' ? (spec.state as State) : this.definition.emptyState;
    }
    for (const sideEffect of spec.sideEffects) {
      try {
        sideEffect(this.#state);
      } catch (error) {
        logger.error('[memento] [runtime] side effect (thenRun) threw; the state stays stored', { persistenceId, error: String(error) });
      }
    }
    envelope.reply.resolve(spec.replyWith ? spec.replyWith(this.#state) : undefined);
    if (spec.stopAfter) this.entity.stop('DurableEffect.stop');
  }

  /** Stores a change at the next revision; false (and the asker told) when that failed. */
  async #store(change: StateChange, envelope: Envelope): Promise<boolean> {
    const outcome = await writeState(this.store, this.entity.persistenceId, this.#revision, change, this.entity.logger);
    if (outcome.status === 'stored') {
      this.#revision = outcome.revision;
      return true;
    }
    // A conflict means our state is stale; a failure, that the store may have it or not: reload either way.
    if (outcome.status !== 'rejected') this.entity.stop(`durable state ${outcome.status}`);
    envelope.reply.reject(outcome.error);
    return false;
  }

  #signal(signal: DurableSignal): void {
    deliverSignal(this.definition.signalHandler, this.#state, signal, this.entity);
  }
}
