/**
 * The classic front end's behavior: feeds recovery to `receiveRecover`, commands and
 * results to `receiveCommand`, and carries out the actor's persist calls through the
 * shared runtime in call order, after the message that made them.
 * @module
 */

import { RecoveryError } from '../../core/errors.js';
import { validatePersistenceId } from '../../core/persistence-id.js';
import { DeleteSnapshotsFailure } from '../../core/snapshot-results.js';
import { SnapshotSelectionCriteria, type SnapshotSelectionCriteriaInit } from '../../core/snapshot-selection-criteria.js';
import { invalidArgument, validateFunction, validateInteger } from '../../core/validation.js';
import type { EntityBehavior, EntityHandle } from '../cell/entity-behavior.js';
import type { ActorRef } from '../cell/entity-ref.js';
import type { Envelope, ReplyChannel } from '../cell/mailbox.js';
import { EntityStoppedError, UnhandledCommandError } from '../cell/runtime-errors.js';
import {
  type ActorResultMessage,
  DeleteMessagesFailure,
  type RecoveryCompleted,
  type RecoveryFailed,
  type Signal,
} from '../cell/signals.js';
import type { RecoveryTarget } from '../recovery/recovery.js';
import { messageOf } from '../recovery/snapshot-selection.js';
import { type ActorRuntime, bindActor, extensionOf, type PersistentActor } from './persistent-actor.js';

interface PendingPersist {
  readonly events: readonly unknown[];
  readonly handler: (event: never) => void;
  readonly reply: ReplyChannel;
}

const nobody: ReplyChannel = { resolve() {}, reject() {}, settled: true };

/** One incarnation of a classic actor on the runtime. */
export class ActorBehavior implements EntityBehavior, ActorRuntime {
  readonly recoveryTarget: RecoveryTarget<unknown>;
  snapshotState?: () => unknown;
  #reply: ReplyChannel | undefined;
  #handlerSequenceNr: number | undefined;
  #pending: PendingPersist[] = [];

  constructor(
    private readonly actor: PersistentActor,
    private readonly entity: EntityHandle,
    readonly self: ActorRef,
  ) {
    bindActor(actor, this);
    if (typeof actor.snapshotState === 'function') this.snapshotState = () => actor.snapshotState?.();
    this.recoveryTarget = {
      onSkipped: () => {},
      onSnapshot: (offer) => {
        this.#handlerSequenceNr = offer.metadata.sequenceNr;
        actor.receiveRecover(offer);
      },
      onEvent: (repr) => {
        this.#handlerSequenceNr = repr.sequenceNr;
        actor.receiveRecover(repr.event);
      },
    };
  }

  get persistenceId(): string {
    return this.entity.persistenceId;
  }
  get lastSequenceNr(): number {
    return this.#handlerSequenceNr ?? this.entity.lastSequenceNr;
  }
  get recoveryRunning(): boolean {
    return this.entity.recoveryRunning;
  }
  get log() {
    return this.entity.logger;
  }

  onRecoveryCompleted(signal: RecoveryCompleted): void {
    this.#handlerSequenceNr = undefined;
    try {
      this.actor.receiveRecover(signal);
    } catch (cause) {
      // As in Akka: an exception in receiveRecover, RecoveryCompleted included, fails the
      // recovery (onRecoveryFailure, waiting commands rejected) instead of running on.
      throw new RecoveryError(
        `[${this.persistenceId}] receiveRecover(RecoveryCompleted) threw: ${String((cause as Error)?.message ?? cause)}`,
        { persistenceId: this.persistenceId, cause, source: 'runtime' },
      );
    }
    extensionOf(this.actor)?.recovered();
  }

  onStopped(): void {
    extensionOf(this.actor)?.stopped();
  }

  notify(message: unknown): void {
    this.entity.notify(message);
  }

  onRecoveryFailed(signal: RecoveryFailed): void {
    this.#handlerSequenceNr = undefined;
    this.actor.onRecoveryFailure(signal.error);
  }

  async onSignal(signal: Signal | ActorResultMessage): Promise<void> {
    // Recovery signals reach the actor through receiveRecover / onRecoveryFailure instead.
    if (signal.type === 'RecoveryCompleted' || signal.type === 'RecoveryFailed' || signal.type === 'SnapshotSkipped') return;
    await this.#run(signal, nobody);
  }

  handle(envelope: Envelope): Promise<void> {
    return this.#run(envelope.message, envelope.reply);
  }

  /** One message: receiveCommand, then the persists it asked for, in order. */
  async #run(message: unknown, reply: ReplyChannel): Promise<void> {
    this.#reply = reply;
    try {
      await this.actor.receiveCommand(message as never);
    } catch (error) {
      this.#pending = [];
      this.#reply = undefined;
      this.entity.stop('receiveCommand threw');
      reply.reject(error);
      return;
    }
    while (this.#pending.length > 0 && this.entity.running) {
      await this.#persistNext(this.#pending.shift() as PendingPersist);
    }
    this.#pending = [];
    this.#reply = undefined;
  }

  async #persistNext(item: PendingPersist): Promise<void> {
    const outcome = await this.entity.persist(item.events);
    const first = this.entity.lastSequenceNr + 1;
    if (outcome.status !== 'stored') {
      const event = item.events[0] as never;
      if (outcome.status === 'rejected') this.actor.onPersistRejected(outcome.error, event, first);
      else this.actor.onPersistFailure(outcome.error, event, first);
      item.reply.reject(outcome.error);
      return;
    }
    this.#reply = item.reply;
    for (const repr of outcome.reprs) {
      this.#handlerSequenceNr = repr.sequenceNr;
      try {
        item.handler(repr.event as never);
      } catch (cause) {
        this.#handlerSequenceNr = undefined;
        this.entity.stop('persist handler threw');
        this.#pending = [];
        item.reply.reject(
          new EntityStoppedError(
            `actor ${JSON.stringify(this.persistenceId)}: the persist handler threw on event ${repr.sequenceNr} (stored); the actor stopped: ${messageOf(cause)}`,
            { persistenceId: this.persistenceId, actual: repr.sequenceNr, cause },
          ),
        );
        return;
      }
    }
    this.#handlerSequenceNr = undefined;
    this.entity.eventsApplied(outcome.reprs.length, false);
  }

  persist(events: readonly unknown[], handler: (event: never) => void): void {
    const context = { persistenceId: this.persistenceId };
    if (!Array.isArray(events)) invalidArgument('events', 'an array of events', events, context);
    validateFunction(handler, 'handler', context);
    if (!this.#reply) invalidArgument('persist', 'a call while the actor handles a message', 'a call outside receiveCommand', context);
    if (events.length > 0) this.#pending.push({ events, handler, reply: this.#reply });
  }

  reply(value: unknown): void {
    this.#reply?.resolve(value);
  }

  unhandled(message: unknown): void {
    this.log.debug('[memento] [runtime] unhandled message', { persistenceId: this.persistenceId, message: String(message) });
    this.#reply?.reject(
      new UnhandledCommandError(`actor ${JSON.stringify(this.persistenceId)} does not handle this message`, {
        persistenceId: this.persistenceId,
      }),
    );
  }

  stop(): void {
    this.entity.stop('stop()');
  }

  saveSnapshot(snapshot: unknown, metadata: unknown) {
    return this.entity.saveSnapshot(snapshot, metadata, this.lastSequenceNr);
  }

  deleteSnapshot(sequenceNr: number) {
    validateInteger(sequenceNr, 'sequenceNr', { persistenceId: this.persistenceId }, { min: 0 });
    return this.entity.deleteSnapshot(sequenceNr);
  }

  deleteSnapshots(criteria: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit) {
    let checked: SnapshotSelectionCriteria;
    try {
      checked = SnapshotSelectionCriteria.from(criteria);
    } catch (error) {
      // As in Akka, a bad request is answered, not thrown: the failure carries what was given.
      const failure = DeleteSnapshotsFailure(criteria as SnapshotSelectionCriteria, error);
      this.entity.notify(failure);
      return Promise.resolve(failure);
    }
    return this.entity.deleteSnapshots(checked);
  }

  async deleteMessages(toSequenceNr: number) {
    const to = validateInteger(toSequenceNr, 'toSequenceNr', { persistenceId: this.persistenceId }, { min: 0, allowInfinity: true });
    if (to > this.lastSequenceNr && to !== Number.MAX_SAFE_INTEGER) {
      const failure = DeleteMessagesFailure(to, new Error(`toSequenceNr ${to} is beyond lastSequenceNr ${this.lastSequenceNr}`));
      this.entity.notify(failure);
      return failure;
    }
    return this.entity.deleteMessages(Math.min(to, this.lastSequenceNr));
  }

  loadSnapshot(persistenceId: string, criteria: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit, toSequenceNr: number) {
    validatePersistenceId(persistenceId);
    const to = validateInteger(toSequenceNr, 'toSequenceNr', { persistenceId }, { min: 0, allowInfinity: true });
    return this.entity.loadSnapshot(persistenceId, SnapshotSelectionCriteria.from(criteria), to);
  }
}
