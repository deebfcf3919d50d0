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
import { loadSnapshotResult } from '../recovery/snapshot-selection.js';
import { explainFailedWrite, type PersistOutcome, writeEvents } from '../writers/event-writer.js';
import { SnapshotPolicy } from '../writers/snapshot-policy.js';
import { SnapshotWriter } from '../writers/snapshot-writer.js';
import type { EntityBehavior, EntityHandle, EntitySpawner } from './entity-behavior.js';
import { type Envelope, Mailbox, type ReplyChannel } from './mailbox.js';
import { RecoveryCompleted, RecoveryFailed, type SnapshotSkipped } from './signals.js';

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
  readonly #mailbox: Mailbox;
  readonly #writer: SnapshotWriter;
  readonly #policy: SnapshotPolicy;

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
      logger: deps.logger,
      onResult: (result) => this.notify(result),
    });
    this.#policy = new SnapshotPolicy(spawner.settings.retention.snapshotEvery, spawner.settings.snapshotAfterIdleMs, () =>
      this.#enqueue(IDLE_SNAPSHOT, noReply, true),
    );
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
    return this.#draining === undefined && this.#mailbox.size === 0;
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
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      this.#afterDrain();
    });
  }

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
    try {
      if (envelope.system) await behavior.onSignal(envelope.message as Parameters<EntityBehavior['onSignal']>[0]);
      else await behavior.handle(envelope);
    } catch (error) {
      if (envelope.system)
        this.logger.error('[memento] [runtime] signal handler threw', { persistenceId: this.persistenceId, error: String(error) });
      envelope.reply.reject(error);
    }
    envelope.reply.resolve(undefined);
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
              target: { ...created.recoveryTarget, onSkipped: (skipped, byRuntime) => this.#reportSkipped(created, skipped, byRuntime) },
              onProgress: this.deps.hooks?.onRecoveryProgress?.bind(this.deps.hooks),
            });
      const telemetry = this.deps.telemetry;
      const outcome = telemetry
        ? await telemetry.run('memento.recovery', { 'memento.persistence_id': this.persistenceId }, recovering, (found) => ({
            'memento.events': found.replayed,
            'memento.sequence_nr.snapshot': found.snapshotSequenceNr,
            'memento.sequence_nr.last': found.lastSequenceNr,
          }))
        : await recovering();
      this.#lastSequenceNr = outcome.lastSequenceNr;
      this.#snapshotSequenceNr = outcome.snapshotSequenceNr;
      this.#policy.reset(outcome.lastSequenceNr - outcome.snapshotSequenceNr);
      this.#status = 'running';
      this.logger.debug('[memento] [runtime] recovered', { persistenceId: this.persistenceId, ...outcome });
      behavior.onRecoveryCompleted(RecoveryCompleted(outcome.lastSequenceNr, outcome.snapshotSequenceNr, outcome.replayed));
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
    const behavior = this.#behavior;
    this.#behavior = undefined;
    try {
      behavior?.onStopped?.();
    } catch (error) {
      this.logger.error('[memento] [runtime] onStopped threw', { persistenceId: this.persistenceId, error: String(error) });
    }
  }
}
