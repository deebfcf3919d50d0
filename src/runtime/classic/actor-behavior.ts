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
import { asError, EntityStoppedError, UnhandledCommandError } from '../cell/runtime-errors.js';
import {
  type ActorResultMessage,
  DeleteMessagesFailure,
  type RecoveryCompleted,
  type RecoveryFailed,
  type Signal,
} from '../cell/signals.js';
import type { RecoveryTarget } from '../recovery/recovery.js';
import { messageOf } from '../recovery/snapshot-selection.js';
import type { PersistOutcome } from '../writers/event-writer.js';
import { type ActorRuntime, bindActor, extensionOf, type PersistentActor } from './persistent-actor.js';

/** One persist, persistAll or defer call, in call order across commands. */
interface JournalEntry {
  readonly events: readonly unknown[];
  readonly handler: (event: never) => void;
  readonly reply: ReplyChannel;
  /** persistAsync / deferAsync: the command does not wait for it. */
  readonly async: boolean;
  /** defer / deferAsync: nothing is written; the handler gets `events[0]`. */
  readonly deferred: boolean;
  /** The last entry of its command: answers the asker (undefined) if no handler did. */
  last: boolean;
  /** Set once written (or, deferred, once every earlier entry was). */
  outcome: PersistOutcome | undefined;
}

const nobody: ReplyChannel = { resolve() {}, reject() {}, settled: true };

/** The runtime message that runs the handlers of finished asynchronous writes, in mailbox order. */
const RUN_HANDLERS = Symbol('memento.runHandlers');

/** One incarnation of a classic actor on the runtime. */
export class ActorBehavior implements EntityBehavior, ActorRuntime {
  readonly recoveryTarget: RecoveryTarget<unknown>;
  snapshotState?: () => unknown;
  #reply: ReplyChannel | undefined;
  #handlerSequenceNr: number | undefined;
  /** Calls made by the command being handled; they join the journal queue when it returns. */
  #pending: JournalEntry[] = [];
  /** Entries whose handlers have not run yet, oldest first; written one after the other. */
  readonly #queue: JournalEntry[] = [];
  #writing: Promise<void> = Promise.resolve();
  #writesInFlight = 0;
  /** Wakes the command waiting for its synchronous entries. */
  #written: (() => void) | undefined;
  #dropped = false;

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
    this.#dropQueue(this.#stoppedError('this incarnation ended'));
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
    if ((signal as unknown) === RUN_HANDLERS) {
      this.#runFinishedHandlers();
      return;
    }
    // Recovery signals reach the actor through receiveRecover / onRecoveryFailure instead.
    if (signal.type === 'RecoveryCompleted' || signal.type === 'RecoveryFailed' || signal.type === 'SnapshotSkipped') return;
    await this.#run(signal, nobody);
  }

  handle(envelope: Envelope): Promise<void> {
    return this.#run(envelope.message, envelope.reply);
  }

  answersLater(envelope: Envelope): boolean {
    // An asynchronous persist's handler may still reply: the asker waits for it.
    return this.#queue.some((entry) => entry.reply === envelope.reply);
  }

  pendingWork(): Promise<void> | undefined {
    return this.#writesInFlight > 0 ? this.#writing : undefined;
  }

  /**
   * One message: receiveCommand, then its persist calls join the journal queue. The
   * message is done when its synchronous entries' handlers ran (commands wait meanwhile);
   * asynchronous entries' handlers run later, in queue order, as runtime messages.
   */
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
    this.#reply = undefined;
    const entries = this.#pending;
    this.#pending = [];
    if (entries.length === 0) return;
    (entries[entries.length - 1] as JournalEntry).last = true;
    for (const entry of entries) this.#enqueue(entry);
    const lastSync = entries.findLast((entry) => !entry.async);
    if (lastSync) {
      while (!this.#dropped && this.#queue.includes(lastSync)) {
        this.#runFinishedHandlers();
        if (!this.#queue.includes(lastSync)) break;
        await new Promise<void>((resolve) => {
          this.#written = resolve;
        });
      }
    }
    this.#runFinishedHandlers();
  }

  #enqueue(entry: JournalEntry): void {
    this.#queue.push(entry);
    this.#writesInFlight++;
    this.#writing = this.#writing.then(async () => {
      try {
        entry.outcome =
          this.#dropped || entry.deferred
            ? { status: 'stored', reprs: [] }
            : this.entity.running
              ? await this.entity.persist(entry.events)
              : { status: 'failed', error: this.#stoppedError('the actor stopped before this write') };
      } catch (error) {
        // persist reports failures as outcomes; anything else must still not wedge the queue.
        entry.outcome = { status: 'failed', error: asError(error) };
      } finally {
        this.#writesInFlight--;
      }
      if (this.#dropped) return;
      if (this.#written) {
        const wake = this.#written;
        this.#written = undefined;
        wake();
      } else {
        this.entity.notify(RUN_HANDLERS);
      }
    });
  }

  /** Runs the handlers of the written entries at the head of the queue, in order. */
  #runFinishedHandlers(): void {
    while (!this.#dropped) {
      const entry = this.#queue[0];
      if (entry?.outcome === undefined) return;
      this.#queue.shift();
      this.#runHandlers(entry, entry.outcome);
    }
  }

  #runHandlers(entry: JournalEntry, outcome: PersistOutcome): void {
    if (outcome.status !== 'stored') {
      const first = this.entity.lastSequenceNr + 1;
      const event = entry.events[0] as never;
      if (outcome.status === 'rejected') this.actor.onPersistRejected(outcome.error, event, first);
      else this.actor.onPersistFailure(outcome.error, event, first);
      entry.reply.reject(outcome.error);
      // The journal failed or another writer won: the state is stale, nothing after it may run.
      if (outcome.status !== 'rejected') this.#dropQueue(outcome.error);
      return;
    }
    this.#reply = entry.reply;
    const reprs: readonly { readonly sequenceNr: number | undefined; readonly event: unknown }[] = entry.deferred
      ? [{ sequenceNr: undefined, event: entry.events[0] }]
      : outcome.reprs;
    for (const repr of reprs) {
      this.#handlerSequenceNr = repr.sequenceNr;
      try {
        entry.handler(repr.event as never);
      } catch (cause) {
        this.#handlerSequenceNr = undefined;
        this.#reply = undefined;
        this.entity.stop('persist handler threw');
        const error = new EntityStoppedError(
          `actor ${JSON.stringify(this.persistenceId)}: the ${entry.deferred ? 'defer' : 'persist'} handler threw${repr.sequenceNr === undefined ? '' : ` on event ${repr.sequenceNr} (stored)`}; the actor stopped: ${messageOf(cause)}`,
          { persistenceId: this.persistenceId, actual: repr.sequenceNr, cause },
        );
        entry.reply.reject(error);
        this.#dropQueue(error);
        return;
      }
    }
    this.#handlerSequenceNr = undefined;
    this.#reply = undefined;
    if (entry.last && entry.async) entry.reply.resolve(undefined);
    if (!entry.deferred) this.entity.eventsApplied(outcome.reprs.length, false);
  }

  /** Fails every entry still waiting: their handlers will never run in this incarnation. */
  #dropQueue(cause: Error): void {
    this.#dropped = true;
    for (const entry of this.#queue.splice(0)) {
      entry.reply.reject(
        new EntityStoppedError(
          `actor ${JSON.stringify(this.persistenceId)} stopped before this ${entry.deferred ? 'defer' : 'persist'} handler ran (${cause.message}); it recovers on its next message`,
          { persistenceId: this.persistenceId, cause },
        ),
      );
    }
    const wake = this.#written;
    this.#written = undefined;
    wake?.();
  }

  #stoppedError(reason: string): EntityStoppedError {
    return new EntityStoppedError(`actor ${JSON.stringify(this.persistenceId)}: ${reason}`, { persistenceId: this.persistenceId });
  }

  persist(events: readonly unknown[], handler: (event: never) => void, async = false): void {
    const context = { persistenceId: this.persistenceId };
    if (!Array.isArray(events)) invalidArgument('events', 'an array of events', events, context);
    validateFunction(handler, 'handler', context);
    if (!this.#reply) invalidArgument('persist', 'a call while the actor handles a message', 'a call outside receiveCommand', context);
    if (events.length > 0)
      this.#pending.push({ events, handler, reply: this.#reply, async, deferred: false, last: false, outcome: undefined });
  }

  defer(event: unknown, handler: (event: never) => void, async: boolean): void {
    const context = { persistenceId: this.persistenceId };
    validateFunction(handler, 'handler', context);
    if (!this.#reply) invalidArgument('defer', 'a call while the actor handles a message', 'a call outside receiveCommand', context);
    this.#pending.push({ events: [event], handler, reply: this.#reply, async, deferred: true, last: false, outcome: undefined });
  }

  stash(): void {
    if (!this.#reply)
      invalidArgument('stash', 'a call while the actor handles a command', 'a call outside receiveCommand', {
        persistenceId: this.persistenceId,
      });
    this.entity.stash();
  }

  unstashAll(): void {
    this.entity.unstashAll();
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
