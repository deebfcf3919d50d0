/**
 * The runtime of one entity, shared by both front ends: mailbox and stash, recovery,
 * persist with conflict and failure handling, snapshots in the background, automatic
 * snapshot policy and idle passivation. One message at a time, in arrival order.
 * @module
 */
import { SnapshotMetadata } from '../../core/snapshot-metadata.js';
import { SaveSnapshotFailure, type SaveSnapshotSuccess } from '../../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../../core/snapshot-selection-criteria.js';
import { type OneShotTimer, startTimer } from '../../core/timers.js';
import { callHook, type PersistenceHooks } from '../../observability/hooks.js';
import type { Logger } from '../../observability/logger.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { Journal } from '../../spi/journal.js';
import type { SnapshotStore } from '../../spi/snapshot-store.js';
import { recover } from '../recovery/recovery.js';
import { selectsNothing } from '../recovery/recovery-settings.js';
import { loadSnapshotResult } from '../recovery/snapshot-selection.js';
import { eventSizer } from '../writers/event-size.js';
import { explainFailedWrite, type PersistOutcome, writeEvents } from '../writers/event-writer.js';
import { isSlowRecovery } from '../writers/retention.js';
import { SnapshotPolicy } from '../writers/snapshot-policy.js';
import { SnapshotWriter } from '../writers/snapshot-writer.js';
import type { EntityBehavior, EntityHandle, EntitySpawner } from './entity-behavior.js';
import { type Envelope, Mailbox, type ReplyChannel } from './mailbox.js';
import { RecoveryWatchdog } from './recovery-watchdog.js';
import { EntityStoppedError, StashOverflowError } from './runtime-errors.js';
import { RecoveryCompleted, RecoveryFailed, type RecoveryReport, type SnapshotSkipped } from './signals.js';

/** What every cell of one Persistence shares. */
export interface CellDeps {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly logger: Logger;
  readonly hooks: PersistenceHooks | undefined;
  /** Traces recoveries (and, through wrapped stores, everything else); undefined when off. */
  readonly telemetry?: Telemetry | undefined;
  readonly writerId: string;
  readonly stashCapacity: number;
  /** Recovery fails with RecoveryTimedOutError after this long without an answer from a store. */
  readonly recoveryIdleTimeoutMs: number;
  /** Passivate after this long without messages. */
  readonly idleMs: number | undefined;
  /** Called when the cell is idle and stopped, or idle past `idleMs`: the registry drops it. */
  readonly onRetire: (cell: EntityCell) => void;
}

type Status = 'new' | 'recovering' | 'running' | 'invalid';

const IDLE_SNAPSHOT = Symbol('memento.idleSnapshot');
const noReply: ReplyChannel = { resolve() {}, reject() {}, settled: true };

/** One entity's runtime. */
export class EntityCell implements EntityHandle {
  readonly persistenceId: string;
  readonly logger: Logger;
  #status: Status = 'new';
  /** Set by passivate (also on close): the cell is leaving memory on purpose. */
  #leaving = false;
  #behavior: EntityBehavior | undefined;
  #lastSequenceNr = 0;
  #snapshotSequenceNr = 0;
  #stopRequested = false;
  #recoverRequested: boolean;
  #draining: Promise<void> | undefined;
  #passivation: OneShotTimer | undefined;
  /** Commands the behavior set aside with `stash()`, oldest first. */
  readonly #userStash: Envelope[] = [];
  /** The command being handled, and whether the behavior stashed it. */
  #current: Envelope | undefined;
  #currentStashed = false;
  readonly #mailbox: Mailbox;
  readonly #writer: SnapshotWriter;
  readonly #policy: SnapshotPolicy;
  /** Measures events in bytes, only when `snapshotEveryBytes` needs it. */
  readonly #sizeOf: ((event: unknown) => number) | undefined;

  constructor(
    readonly spawner: EntitySpawner,
    private readonly deps: CellDeps,
    /** The previous incarnation's passivation: its snapshot saves and retention must land first. */
    private readonly predecessor: Promise<void> = Promise.resolve(),
  ) {
    this.persistenceId = spawner.persistenceId;
    this.logger = deps.logger;
    this.#mailbox = new Mailbox(deps.stashCapacity, this.persistenceId);
    this.#writer = new SnapshotWriter({
      persistenceId: this.persistenceId,
      journal: deps.journal,
      snapshotStore: deps.snapshotStore,
      retention: spawner.settings.retention,
      maxSnapshotBytes: spawner.settings.maxSnapshotBytes,
      logger: deps.logger,
      onResult: (result) => this.notify(result),
    });
    const retention = spawner.settings.retention;
    this.#policy = new SnapshotPolicy(
      retention.snapshotEvery,
      spawner.settings.snapshotAfterIdleMs,
      () => this.#enqueue(IDLE_SNAPSHOT, noReply, true),
      retention.snapshotEveryBytes,
    );
    this.#sizeOf = this.#policy.countsBytes ? eventSizer(deps.journal, this.persistenceId) : undefined;
    this.#recoverRequested = spawner.eager;
    if (spawner.eager) this.#schedule();
  }

  get lastSequenceNr(): number {
    return this.#lastSequenceNr;
  }
  get snapshotSequenceNr(): number {
    return this.#snapshotSequenceNr;
  }
  get recoveryRunning(): boolean {
    return this.#status === 'recovering';
  }
  get running(): boolean {
    return this.#status === 'running';
  }
  /** True when nothing is queued or being handled. */
  get isIdle(): boolean {
    return this.#draining === undefined && this.#mailbox.size === 0 && this.#behavior?.pendingWork?.() === undefined;
  }

  /** Queues a user command; `reply` receives the answer or the error. */
  send(message: unknown, reply: ReplyChannel): void {
    this.#enqueue(message, reply, false);
  }

  tellSelf(message: unknown): void {
    this.#enqueue(message, noReply, false);
  }

  notify(message: unknown): void {
    this.#enqueue(message, noReply, true);
  }

  /** Resolves once no message is queued or handled and background snapshot work is done. */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#draining) {
        await this.#draining;
        continue;
      }
      const pending = this.#behavior?.pendingWork?.();
      if (pending) {
        await pending;
        continue;
      }
      await this.#writer.idle();
      if (this.isIdle) return;
    }
  }

  /** Leaves memory: takes a pending idle snapshot, cancels timers. Only when idle. */
  async passivate(): Promise<void> {
    this.#passivation?.cancel();
    if (this.#status === 'running' && this.#policy.idlePending) void this.#autoSnapshot();
    this.#policy.cancel();
    this.#status = 'invalid';
    this.#leaving = true;
    // Nobody will unstash them once the entity leaves memory: their askers must not wait forever.
    for (const envelope of this.#userStash.splice(0)) {
      envelope.reply.reject(
        new EntityStoppedError(`entity ${JSON.stringify(this.persistenceId)} left memory with this command still stashed`, {
          persistenceId: this.persistenceId,
          expected: 'unstashAll() before passivation',
          actual: 'a stashed command',
        }),
      );
    }
    this.#release();
    await this.#writer.idle();
  }

  async persist(events: readonly unknown[]): Promise<PersistOutcome> {
    const outcome = await writeEvents(
      this.deps.journal,
      this.persistenceId,
      this.#lastSequenceNr,
      events,
      this.deps.writerId,
      this.spawner.settings.eventAdapters,
    );
    if (outcome.status === 'stored') {
      this.#lastSequenceNr = outcome.reprs[outcome.reprs.length - 1]?.sequenceNr ?? this.#lastSequenceNr;
      const sizeOf = this.#sizeOf;
      if (sizeOf) this.#policy.addBytes(events.reduce((sum: number, event) => sum + sizeOf(event), 0));
      return outcome;
    }
    // Conflict: another writer moved on, so our state is stale; failure: the store is down.
    if (outcome.status !== 'rejected') this.#invalidate();
    return explainFailedWrite(outcome, this.logger, this.persistenceId, this.#lastSequenceNr + 1);
  }

  eventsApplied(count: number, predicateHit: boolean): void {
    if (this.#status !== 'running' || !this.#behavior?.snapshotState) return;
    if (this.#policy.afterEvents(count, predicateHit)) void this.#autoSnapshot();
  }

  saveSnapshot(
    state: unknown,
    userMetadata?: unknown,
    sequenceNr = this.#lastSequenceNr,
  ): Promise<SaveSnapshotSuccess | SaveSnapshotFailure> {
    let encoded: ReturnType<EntitySpawner['settings']['codec']['encode']>;
    try {
      encoded = this.spawner.settings.codec.encode(state, userMetadata);
    } catch (cause) {
      const failure = SaveSnapshotFailure(
        new SnapshotMetadata({ persistenceId: this.persistenceId, sequenceNr, metadata: userMetadata }),
        cause,
      );
      this.notify(failure);
      return Promise.resolve(failure);
    }
    this.#policy.taken();
    this.#snapshotSequenceNr = sequenceNr;
    return this.#writer.save(sequenceNr, encoded.snapshot, encoded.metadata);
  }

  deleteSnapshot(sequenceNr: number) {
    return this.#writer.deleteSnapshot(sequenceNr);
  }

  deleteSnapshots(criteria: SnapshotSelectionCriteria) {
    return this.#writer.deleteSnapshots(criteria);
  }

  deleteMessages(toSequenceNr: number) {
    return this.#writer.deleteMessages(toSequenceNr);
  }

  async loadSnapshot(persistenceId: string, criteria: SnapshotSelectionCriteria, toSequenceNr: number) {
    const result = await loadSnapshotResult(this.deps.snapshotStore, persistenceId, criteria, toSequenceNr);
    this.notify(result);
    return result;
  }

  stash(): void {
    const envelope = this.#current;
    if (!envelope || envelope.system || this.#currentStashed) {
      throw new StashOverflowError(`entity ${JSON.stringify(this.persistenceId)}: stash() outside a command, or twice for one command`, {
        persistenceId: this.persistenceId,
        expected: 'one stash() per command, while handling it',
        actual: envelope ? 'a second stash() or a runtime message' : 'no command being handled',
      });
    }
    this.#currentStashed = true;
    const capacity = this.deps.stashCapacity;
    if (this.#userStash.length < capacity) {
      this.#userStash.push(envelope);
      return;
    }
    const error = new StashOverflowError(
      `entity ${JSON.stringify(this.persistenceId)}: user stash full (${capacity} commands stashed); this command was ${this.spawner.settings.stashOverflow === 'drop' ? 'dropped to dead letters' : 'failed'}`,
      { persistenceId: this.persistenceId, expected: `<= ${capacity} stashed commands`, actual: capacity + 1 },
    );
    if (this.spawner.settings.stashOverflow === 'drop') {
      this.logger.warn('[memento] [runtime] stash full: command dropped to dead letters', { persistenceId: this.persistenceId });
      callHook(this.deps.hooks?.onDeadLetter, { persistenceId: this.persistenceId, message: envelope.message, reason: error.message });
    }
    // An asker must not wait forever for a command nobody will handle.
    envelope.reply.reject(error);
  }

  unstashAll(): void {
    if (this.#userStash.length === 0) return;
    this.#mailbox.prepend(this.#userStash.splice(0));
    this.#schedule();
  }

  stop(reason = 'stop requested'): void {
    this.logger.debug('[memento] [runtime] entity stopping after this message', { persistenceId: this.persistenceId, reason });
    this.#stopRequested = true;
  }

  #enqueue(message: unknown, reply: ReplyChannel, system: boolean): void {
    this.#passivation?.cancel();
    if (this.#mailbox.push({ message, reply, system })) this.#schedule();
  }

  #schedule(): void {
    if (this.#draining) return;
    // Not `finally`: it costs two more promises per drain, and a cell drains once per command when its asker awaits each reply.
    this.#draining = this.#drain().then(this.#drained, this.#drainFailed);
  }

  readonly #drained = (): void => {
    this.#draining = undefined;
    this.#afterDrain();
  };

  readonly #drainFailed = (error: unknown): never => {
    this.#drained();
    throw error;
  };

  #afterDrain(): void {
    if (this.#mailbox.size > 0 || this.#recoverRequested) {
      this.#schedule();
      return;
    }
    if (this.#status !== 'running') {
      this.deps.onRetire(this);
      return;
    }
    if (this.deps.idleMs !== undefined) {
      this.#passivation = startTimer(this.deps.idleMs, () => {
        if (this.isIdle) this.deps.onRetire(this);
      });
    }
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#recoverRequested) {
        this.#recoverRequested = false;
        if (this.#status !== 'running') await this.#recover();
        continue;
      }
      const next = this.#mailbox.peek();
      if (!next) return;
      if (this.#status !== 'running') {
        if (next.system) {
          this.#mailbox.shift();
          // Passivation and close drop pending timers' messages as a matter of course: not worth a line.
          if (!this.#leaving) {
            this.logger.debug('[memento] [runtime] dropped a runtime message: entity not running', { persistenceId: this.persistenceId });
          }
          continue;
        }
        if (!(await this.#recover())) continue;
      }
      this.#mailbox.shift();
      await this.#process(next);
      if (this.#stopRequested) this.#dropState();
    }
  }

  async #process(envelope: Envelope): Promise<void> {
    const behavior = this.#behavior as EntityBehavior;
    if (envelope.message === IDLE_SNAPSHOT) {
      if (this.#policy.eventsSinceSnapshot > 0) await this.#autoSnapshot();
      return;
    }
    this.#current = envelope;
    this.#currentStashed = false;
    let answersLater = false;
    try {
      if (envelope.system) await behavior.onSignal(envelope.message as Parameters<EntityBehavior['onSignal']>[0]);
      else {
        await behavior.handle(envelope);
        answersLater = behavior.answersLater?.(envelope) ?? false;
      }
    } catch (error) {
      if (envelope.system)
        this.logger.error('[memento] [runtime] signal handler threw', { persistenceId: this.persistenceId, error: String(error) });
      envelope.reply.reject(error);
    } finally {
      this.#current = undefined;
    }
    // A stashed command is answered when it is handled again after unstashAll.
    if (!this.#currentStashed && !answersLater) envelope.reply.resolve(undefined);
  }

  #autoSnapshot(): Promise<unknown> {
    const state = this.#behavior?.snapshotState?.();
    return this.saveSnapshot(state);
  }

  async #recover(): Promise<boolean> {
    this.#status = 'recovering';
    this.#policy.cancel();
    // Retention still running would delete snapshots and events under this recovery's feet.
    await this.predecessor;
    await this.#writer.idle();
    this.#lastSequenceNr = 0;
    this.#snapshotSequenceNr = 0;
    this.#release();
    let behavior: EntityBehavior | undefined;
    try {
      behavior = this.spawner.create(this);
      this.#behavior = behavior;
      const created = behavior;
      const watchdog = new RecoveryWatchdog(this.deps.recoveryIdleTimeoutMs, this.persistenceId);
      // A recovery abandoned on timeout may still wake up: it must not touch the state anymore.
      const live = (): void => {
        if (watchdog.expired) throw new Error('recovery abandoned after its idle timeout');
        watchdog.touch();
      };
      const target = created.recoveryTarget;
      const started = performance.now();
      let snapshotsSkipped = 0;
      const recovering = () =>
        created.load
          ? created.load()
          : recover({
              persistenceId: this.persistenceId,
              journal: this.deps.journal,
              snapshotStore: this.deps.snapshotStore,
              settings: this.spawner.settings.recovery,
              codec: this.spawner.settings.codec,
              adapters: this.spawner.settings.eventAdapters,
              target: {
                onSkipped: (skipped, byRuntime) => {
                  live();
                  snapshotsSkipped++;
                  this.#reportSkipped(created, skipped, byRuntime);
                },
                onSnapshot: (offer) => {
                  live();
                  target.onSnapshot(offer);
                },
                onEvent: (repr) => {
                  live();
                  target.onEvent(repr);
                },
              },
              onProgress: this.deps.hooks?.onRecoveryProgress?.bind(this.deps.hooks),
              sizeOf: this.#sizeOf,
            });
      const telemetry = this.deps.telemetry;
      const outcome = await watchdog.run(() =>
        telemetry
          ? telemetry.run('memento.recovery', { 'memento.persistence_id': this.persistenceId }, recovering, (found) => ({
              'memento.events': found.replayed,
              'memento.sequence_nr.snapshot': found.snapshotSequenceNr,
              'memento.sequence_nr.last': found.lastSequenceNr,
              'memento.bytes_read': found.bytesRead,
              'memento.snapshots_skipped': snapshotsSkipped,
            }))
          : recovering(),
      );
      this.#lastSequenceNr = outcome.lastSequenceNr;
      this.#snapshotSequenceNr = outcome.snapshotSequenceNr;
      this.#policy.reset(outcome.lastSequenceNr - outcome.snapshotSequenceNr, outcome.bytesRead ?? 0);
      this.#status = 'running';
      const durationMs = performance.now() - started;
      const slow = behavior.snapshotState !== undefined && isSlowRecovery(this.spawner.settings.retention, outcome.replayed, durationMs);
      const report: RecoveryReport = {
        persistenceId: this.persistenceId,
        snapshotSequenceNr: outcome.snapshotSequenceNr > 0 ? outcome.snapshotSequenceNr : undefined,
        noSnapshotReason:
          outcome.snapshotSequenceNr > 0
            ? undefined
            : created.load
              ? 'durable-state'
              : selectsNothing(this.spawner.settings.recovery.fromSnapshot)
                ? 'disabled'
                : snapshotsSkipped > 0
                  ? 'all-unusable'
                  : 'none-stored',
        snapshotsSkipped,
        eventsReplayed: outcome.replayed,
        bytesRead: outcome.bytesRead,
        durationMs,
        snapshotTriggered: slow ? 'slow-recovery' : undefined,
      };
      this.logger.debug('[memento] [runtime] recovered', { ...report, lastSequenceNr: outcome.lastSequenceNr });
      behavior.onRecoveryCompleted(RecoveryCompleted(outcome.lastSequenceNr, outcome.snapshotSequenceNr, outcome.replayed, report));
      callHook(this.deps.hooks?.onRecovery, report);
      // The next recovery starts from this state instead of replaying the same events again.
      if (slow && this.#status === 'running') void this.#autoSnapshot();
      return true;
    } catch (error) {
      this.#status = 'invalid';
      this.#release();
      this.logger.error('[memento] [runtime] recovery failed; waiting commands failed', {
        persistenceId: this.persistenceId,
        error: String(error),
      });
      behavior?.onRecoveryFailed(RecoveryFailed(error));
      for (const envelope of this.#mailbox.drain()) envelope.reply.reject(error);
      return false;
    }
  }

  #reportSkipped(behavior: EntityBehavior, skipped: SnapshotSkipped, byRuntime: boolean): void {
    this.logger.warn(`[memento] [runtime] recovery skipped snapshot ${skipped.metadata.sequenceNr} (${skipped.reason})`, {
      persistenceId: this.persistenceId,
      sequenceNr: skipped.metadata.sequenceNr,
      error: skipped.error.message,
    });
    // Stores report their own skips to their hooks; report only what the runtime found.
    if (byRuntime) callHook(this.deps.hooks?.onSnapshotSkipped, { metadata: skipped.metadata, error: skipped.error, store: 'runtime' });
    behavior.recoveryTarget.onSkipped(skipped, byRuntime);
  }

  #invalidate(): void {
    this.#status = 'invalid';
    this.#policy.cancel();
  }

  #dropState(): void {
    this.#stopRequested = false;
    // No final snapshot: a stop may follow a failed event handler, whose state is suspect.
    this.#invalidate();
    this.#release();
  }

  /** Forgets the current behavior, telling it first so it can cancel its timers. */
  #release(): void {
    // As in Akka, a restart unstashes: the next incarnation handles the stashed commands.
    if (this.#userStash.length > 0) this.#mailbox.prepend(this.#userStash.splice(0));
    const behavior = this.#behavior;
    this.#behavior = undefined;
    try {
      behavior?.onStopped?.();
    } catch (error) {
      this.logger.error('[memento] [runtime] onStopped threw', { persistenceId: this.persistenceId, error: String(error) });
    }
  }
}
