/**
 * The classic front end: `PersistentActor`, with Akka classic persistence's vocabulary
 * so code written against it ports line by line. It runs on the same runtime as typed
 * entities; spawn it with `persistence.actorOf(() => new MyActor(...))`.
 * @module
 */

import type {
  DeleteSnapshotFailure,
  DeleteSnapshotSuccess,
  DeleteSnapshotsFailure,
  DeleteSnapshotsSuccess,
  SaveSnapshotFailure,
  SaveSnapshotSuccess,
  SnapshotOffer,
} from '../../core/snapshot-results.js';
import type { SnapshotSelectionCriteria, SnapshotSelectionCriteriaInit } from '../../core/snapshot-selection-criteria.js';
import type { Logger } from '../../observability/logger.js';
import type { EventAdapterBinding } from '../adapters/event-adapter.js';
import type { StashOverflowStrategy } from '../cell/entity-behavior.js';
import type { ActorRef } from '../cell/entity-ref.js';
import { EntityStoppedError } from '../cell/runtime-errors.js';
import type {
  ActorResultMessage,
  DeleteMessagesFailure,
  DeleteMessagesSuccess,
  LoadSnapshotFailed,
  LoadSnapshotResult,
  RecoveryCompleted,
} from '../cell/signals.js';
import type { RecoveryOptions } from '../recovery/recovery-settings.js';
import type { SnapshotAdapter } from '../recovery/snapshot-versioning.js';
import type { RetentionOptions } from '../writers/retention.js';

/** What the runtime provides to an actor while it runs; see ActorBehavior. */
export interface ActorRuntime {
  readonly persistenceId: string;
  readonly lastSequenceNr: number;
  readonly recoveryRunning: boolean;
  readonly log: Logger;
  readonly self: ActorRef;
  /** Delivers a runtime message to the actor's `receiveCommand`, in mailbox order (dropped if it stopped). */
  notify(message: unknown): void;
  persist(events: readonly unknown[], handler: (event: never) => void, async?: boolean): void;
  defer(event: unknown, handler: (event: never) => void, async: boolean): void;
  stash(): void;
  unstashAll(): void;
  reply(value: unknown): void;
  unhandled(message: unknown): void;
  stop(): void;
  saveSnapshot(snapshot: unknown, metadata: unknown): Promise<SaveSnapshotSuccess | SaveSnapshotFailure>;
  deleteSnapshot(sequenceNr: number): Promise<DeleteSnapshotSuccess | DeleteSnapshotFailure>;
  deleteSnapshots(
    criteria: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit,
  ): Promise<DeleteSnapshotsSuccess | DeleteSnapshotsFailure>;
  deleteMessages(toSequenceNr: number): Promise<DeleteMessagesSuccess | DeleteMessagesFailure>;
  loadSnapshot(
    persistenceId: string,
    criteria: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit,
    toSequenceNr: number,
  ): Promise<LoadSnapshotResult | LoadSnapshotFailed>;
}

const runtimes = new WeakMap<PersistentActor, ActorRuntime>();

/** @internal Connects an actor to the runtime; called by the runtime only. */
export function bindActor(actor: PersistentActor, runtime: ActorRuntime): void {
  runtimes.set(actor, runtime);
}

/** @internal What the runtime tells an extension of PersistentActor (at-least-once delivery) about its lifecycle. */
export interface ActorExtension {
  /** Checks the actor's extension options; `at(field)` names a field in errors. */
  validate(at: (field: string) => string): void;
  /** Recovery completed (after `receiveRecover(RecoveryCompleted)`). */
  recovered(): void;
  /** This incarnation was dropped (stop, failure, passivation): cancel timers. */
  stopped(): void;
}

const extensions = new WeakMap<PersistentActor, ActorExtension>();

/** @internal Registers an actor's extension; called by Memento's own PersistentActor subclasses. */
export function extendActor(actor: PersistentActor, extension: ActorExtension): void {
  extensions.set(actor, extension);
}

/** @internal The actor's extension, if any. */
export function extensionOf(actor: PersistentActor): ActorExtension | undefined {
  return extensions.get(actor);
}

/** @internal The runtime an actor runs on; throws EntityStoppedError outside the runtime. */
export function runtimeOf(actor: PersistentActor): ActorRuntime {
  const runtime = runtimes.get(actor);
  if (!runtime) {
    throw new EntityStoppedError('this PersistentActor is not running: spawn it with persistence.actorOf(() => new Actor(...))', {
      expected: 'an actor spawned by persistence.actorOf',
      actual: 'an actor used outside the runtime',
    });
  }
  return runtime;
}

/** Messages `receiveRecover` gets: a snapshot offer, each event, then RecoveryCompleted. */
export type RecoveryMessage<Event, Snapshot> = Event | SnapshotOffer<Snapshot> | RecoveryCompleted;

/**
 * A persistent actor in the style of Akka classic. State lives in fields; treat snapshot
 * values as immutable (they are serialized in the background after `saveSnapshot`).
 */
export abstract class PersistentActor<Command = unknown, Event = unknown, Snapshot = unknown> {
  /** Identifies the actor's events and snapshots; must stay the same across incarnations. */
  abstract readonly persistenceId: string;
  /** Which snapshot recovery starts from and how far it replays. @default latest snapshot, all events */
  readonly recovery: RecoveryOptions | undefined = undefined;
  /** Pruning after successful saves (and `snapshotEvery` when `snapshotState` is defined). @default none */
  readonly retention: RetentionOptions | undefined = undefined;
  /** Version of the snapshot shape; snapshots of other versions are ignored on recovery. @default 1 */
  readonly snapshotVersion: number | undefined = undefined;
  /** Stores another shape than what `saveSnapshot` is given, and migrates old versions. @default none */
  readonly snapshotAdapter: SnapshotAdapter<Snapshot> | undefined = undefined;
  /** Snapshot `snapshotState()` after this long without new events. @default undefined (never) */
  readonly snapshotAfterIdleMs: number | undefined = undefined;
  /** Snapshots over this many encoded bytes are not stored (SaveSnapshotFailure with SnapshotTooLargeError). @default the store's limit */
  readonly maxSnapshotBytes: number | undefined = undefined;
  /** What `stash()` does once `stashCapacity` commands are stashed: fail the command, or drop it to dead letters. @default 'fail' */
  readonly stashOverflow: StashOverflowStrategy | undefined = undefined;
  /** Adapters between domain events and their stored form (schema evolution); see docs/event-adapters.md. @default none */
  readonly eventAdapters: readonly EventAdapterBinding<Event>[] | undefined = undefined;

  /** When defined, the state `retention.snapshotEvery` and `snapshotAfterIdleMs` snapshot automatically. */
  snapshotState?(): Snapshot;

  /** Rebuilds state during recovery: a SnapshotOffer first (if any), each event, then RecoveryCompleted. */
  abstract receiveRecover(message: RecoveryMessage<Event, Snapshot>): void;
  /** Handles commands, and the results of snapshot and deletion requests as messages. */
  abstract receiveCommand(message: Command | ActorResultMessage): void | Promise<void>;

  /** Called when recovery failed; the actor is stopped and recovers on its next message. */
  onRecoveryFailure(_cause: Error): void {}
  /** Called when the journal failed a write; the actor is stopped and recovers on its next message. */
  onPersistFailure(_cause: Error, _event: Event, _sequenceNr: number): void {}
  /** Called when the journal rejected an event (e.g. serialization); the actor keeps running. */
  onPersistRejected(_cause: Error, _event: Event, _sequenceNr: number): void {}

  #runtime(): ActorRuntime {
    return runtimeOf(this);
  }

  /** The id snapshots are stored under: the persistence id. */
  get snapshotterId(): string {
    return this.persistenceId;
  }
  /** Sequence number of the last event persisted or replayed (inside a persist handler: that event's). */
  get lastSequenceNr(): number {
    return this.#runtime().lastSequenceNr;
  }
  /** The sequence number the next `saveSnapshot` is stored at (as in Akka: `lastSequenceNr`). */
  get snapshotSequenceNr(): number {
    return this.#runtime().lastSequenceNr;
  }
  /** True while events are being replayed. */
  get recoveryRunning(): boolean {
    return this.#runtime().recoveryRunning;
  }
  /** The persistence's logger. */
  get log(): Logger {
    return this.#runtime().log;
  }
  /** A reference to this actor, to send it messages later. */
  get self(): ActorRef {
    return this.#runtime().self;
  }

  /** Stores `event`, then calls `handler`; commands are stashed until every handler ran. */
  persist<E extends Event>(event: E, handler: (event: E) => void): void {
    this.#runtime().persist([event], handler as (event: never) => void);
  }
  /** Stores `events` all or none, then calls `handler` for each in order. */
  persistAll<E extends Event>(events: readonly E[], handler: (event: E) => void): void {
    this.#runtime().persist(events, handler as (event: never) => void);
  }
  /**
   * Stores `event`, then calls `handler`, without holding back later commands: they are
   * handled while the write is in flight. Handlers of every persist run in call order.
   */
  persistAsync<E extends Event>(event: E, handler: (event: E) => void): void {
    this.#runtime().persist([event], handler as (event: never) => void, true);
  }
  /** Stores `events` all or none, then calls `handler` for each in order; later commands are not held back. */
  persistAllAsync<E extends Event>(events: readonly E[], handler: (event: E) => void): void {
    this.#runtime().persist(events, handler as (event: never) => void, true);
  }
  /** Calls `handler(event)` (nothing stored) after the handlers of every earlier persist; commands wait until it ran. */
  defer<E>(event: E, handler: (event: E) => void): void {
    this.#runtime().defer(event, handler as (event: never) => void, false);
  }
  /** Calls `handler(event)` (nothing stored) after the handlers of every earlier persist; later commands are not held back. */
  deferAsync<E>(event: E, handler: (event: E) => void): void {
    this.#runtime().defer(event, handler as (event: never) => void, true);
  }
  /** Sets the current command aside (its asker waits) until `unstashAll`; bounded by `stashCapacity`, see `stashOverflow`. */
  stash(): void {
    this.#runtime().stash();
  }
  /** Puts every stashed command back in front of the mailbox, oldest first. */
  unstashAll(): void {
    this.#runtime().unstashAll();
  }
  /** Answers the sender of the current command (in a persist handler: of the command that persisted). */
  reply(value: unknown): void {
    this.#runtime().reply(value);
  }
  /** Declares the current message unhandled: an asker gets an UnhandledCommandError. */
  unhandled(message: unknown): void {
    this.#runtime().unhandled(message);
  }
  /** Stops the actor after the current message; its next message recovers it. */
  stop(): void {
    this.#runtime().stop();
  }
  /** Deletes events up to `toSequenceNr` (at most lastSequenceNr); the result also arrives as a message. */
  deleteMessages(toSequenceNr: number): Promise<DeleteMessagesSuccess | DeleteMessagesFailure> {
    return this.#runtime().deleteMessages(toSequenceNr);
  }
  /** Saves a snapshot at `snapshotSequenceNr` with optional user metadata; never rejects, the result also arrives as a message. */
  saveSnapshot(snapshot: Snapshot, metadata?: unknown): Promise<SaveSnapshotSuccess | SaveSnapshotFailure> {
    return this.#runtime().saveSnapshot(snapshot, metadata);
  }
  /** Deletes the snapshot at `sequenceNr`; never rejects, the result also arrives as a message. */
  deleteSnapshot(sequenceNr: number): Promise<DeleteSnapshotSuccess | DeleteSnapshotFailure> {
    return this.#runtime().deleteSnapshot(sequenceNr);
  }
  /** Deletes the snapshots matching `criteria`; never rejects, the result also arrives as a message. */
  deleteSnapshots(
    criteria: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit,
  ): Promise<DeleteSnapshotsSuccess | DeleteSnapshotsFailure> {
    return this.#runtime().deleteSnapshots(criteria);
  }
  /** Loads the youngest snapshot of any id matching `criteria` up to `toSequenceNr`; the result also arrives as a message. */
  loadSnapshot(
    persistenceId: string,
    criteria: SnapshotSelectionCriteria | SnapshotSelectionCriteriaInit,
    toSequenceNr: number,
  ): Promise<LoadSnapshotResult | LoadSnapshotFailed> {
    return this.#runtime().loadSnapshot(persistenceId, criteria, toSequenceNr);
  }
}
