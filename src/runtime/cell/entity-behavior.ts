/**
 * The seam between the one runtime and its two front ends. The runtime (EntityCell)
 * owns the mailbox, stash, recovery, persistence and snapshot store access; a behavior
 * (typed definition or classic actor) owns the state and decides what to persist.
 * @module
 */

import type {
  DeleteSnapshotFailure,
  DeleteSnapshotSuccess,
  DeleteSnapshotsFailure,
  DeleteSnapshotsSuccess,
  SaveSnapshotFailure,
  SaveSnapshotSuccess,
} from '../../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../../core/snapshot-selection-criteria.js';
import type { Logger } from '../../observability/logger.js';
import type { EventAdapters } from '../adapters/event-adapters.js';
import type { RecoveryOutcome, RecoveryTarget } from '../recovery/recovery.js';
import type { RecoverySettings } from '../recovery/recovery-settings.js';
import type { SnapshotCodec } from '../recovery/snapshot-versioning.js';
import type { PersistOutcome } from '../writers/event-writer.js';
import type { Retention } from '../writers/retention.js';
import type { Envelope } from './mailbox.js';
import type {
  ActorResultMessage,
  DeleteMessagesFailure,
  DeleteMessagesSuccess,
  LoadSnapshotFailed,
  LoadSnapshotResult,
  RecoveryCompleted,
  RecoveryFailed,
  Signal,
} from './signals.js';

/** Per-entity settings the runtime needs before the behavior exists. */
export interface BehaviorSettings {
  readonly recovery: RecoverySettings;
  readonly retention: Retention;
  readonly codec: SnapshotCodec<unknown>;
  /** How events are stored and read back. */
  readonly eventAdapters: EventAdapters;
  /** Snapshot after this long without new events. @default undefined (never) */
  readonly snapshotAfterIdleMs: number | undefined;
  /** What `stash()` does when the user stash is full: fail the command, or drop it to dead letters. @default 'fail' */
  readonly stashOverflow: StashOverflowStrategy;
  /** Snapshots over this many encoded bytes are refused. @default undefined (the store's limit) */
  readonly maxSnapshotBytes: number | undefined;
}

/** What `stash()` does with a command once the user stash holds `stashCapacity` commands. */
export type StashOverflowStrategy = 'fail' | 'drop';

/** What a front end implements. */
export interface EntityBehavior {
  /** Receives the snapshot offer, replayed events and skipped snapshots. */
  readonly recoveryTarget: RecoveryTarget<unknown>;
  onRecoveryCompleted(signal: RecoveryCompleted): void;
  onRecoveryFailed(signal: RecoveryFailed): void;
  /** Snapshot and deletion results and other signals, delivered in mailbox order. */
  onSignal(signal: Signal | ActorResultMessage): void | Promise<void>;
  /** Handles one command; must settle `envelope.reply` or leave it to the runtime (undefined). */
  handle(envelope: Envelope): Promise<void>;
  /** True when the behavior still answers this handled command itself later (asynchronous persists). */
  answersLater?(envelope: Envelope): boolean;
  /** The state automatic snapshots store; without it there are no automatic snapshots. */
  snapshotState?(): unknown;
  /** Loads the state itself (durable state) instead of the runtime's snapshot + replay recovery. */
  load?(): Promise<RecoveryOutcome>;
  /** Told when the runtime drops this incarnation (stop, failure, passivation): cancel its timers. */
  onStopped?(): void;
  /** Work still running after a message was handled (asynchronous persists); undefined when none. */
  pendingWork?(): Promise<void> | undefined;
}

/** Creates behaviors for one persistence id: once per recovery. */
export interface EntitySpawner {
  readonly persistenceId: string;
  /** Identity of the definition or factory, so two front ends cannot share one id. */
  readonly key: unknown;
  readonly settings: BehaviorSettings;
  /** Recover as soon as spawned (classic actors), rather than on the first command. */
  readonly eager: boolean;
  create(entity: EntityHandle): EntityBehavior;
}

/** The runtime services a behavior uses. */
export interface EntityHandle {
  readonly persistenceId: string;
  readonly logger: Logger;
  /** Sequence number of the last stored event. */
  readonly lastSequenceNr: number;
  /** Sequence number of the newest snapshot recovered from or taken. */
  readonly snapshotSequenceNr: number;
  /** True while recovering. */
  readonly recoveryRunning: boolean;
  /** True while the current state is valid (recovered, not invalidated by a failure). */
  readonly running: boolean;
  /** Stores events; on conflict or failure the entity is invalidated and will recover again. */
  persist(events: readonly unknown[]): Promise<PersistOutcome>;
  /** Counts applied events and takes an automatic snapshot when the policy says so. */
  eventsApplied(count: number, predicateHit: boolean): void;
  /** Saves `state` as of `sequenceNr` (default: lastSequenceNr) in the background, in order. */
  saveSnapshot(state: unknown, userMetadata?: unknown, sequenceNr?: number): Promise<SaveSnapshotSuccess | SaveSnapshotFailure>;
  deleteSnapshot(sequenceNr: number): Promise<DeleteSnapshotSuccess | DeleteSnapshotFailure>;
  deleteSnapshots(criteria: SnapshotSelectionCriteria): Promise<DeleteSnapshotsSuccess | DeleteSnapshotsFailure>;
  deleteMessages(toSequenceNr: number): Promise<DeleteMessagesSuccess | DeleteMessagesFailure>;
  loadSnapshot(
    persistenceId: string,
    criteria: SnapshotSelectionCriteria,
    toSequenceNr: number,
  ): Promise<LoadSnapshotResult | LoadSnapshotFailed>;
  /** Sets the command being handled aside until `unstashAll`; its asker waits. Bounded by the stash capacity. */
  stash(): void;
  /** Puts every stashed command back in front of the mailbox, oldest first. */
  unstashAll(): void;
  /** Drops the state after the current message; the next command recovers. */
  stop(reason?: string): void;
  /** Sends a message to this entity (no reply). */
  tellSelf(message: unknown): void;
  /** Delivers a result to this entity as a runtime message: never refused, dropped if the entity stopped. */
  notify(message: unknown): void;
}
