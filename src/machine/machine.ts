/**
 * The Machine: a state definition driven by a reader, fed by a writer, observed by a
 * recorder. State changes only when the reader delivers an action, in the reader's order,
 * so every machine reading one source agrees.
 * @module
 */
import { storedSizeOf } from '../core/encoded-size.js';
import { describeValue, InvalidStateError, RecoveryError } from '../core/errors.js';
import { holdProcess } from '../core/timers.js';
import { invalidArgument, validateFunction } from '../core/validation.js';
import { type Logger, type LoggerOption, resolveLogger } from '../observability/logger.js';
import type { HistoryEntry, HistoryOptions } from '../time-travel/history.js';
import { type Action, type ActionDraft, validateAction } from './action.js';
import { type Deferred, deferred } from './deferred.js';
import { MachineEvents, type Unsubscribe } from './machine-events.js';
import { machineHistory, machineStateAt } from './machine-history.js';
import { MemoryRecorder } from './memory-recorder.js';
import { PendingRuns } from './pending-runs.js';
import type { Reader } from './reader.js';
import type { MachineRecoveryReport, Recorder, Snapshot } from './recorder.js';
import { type ActionHandlers, hasActionType, type PayloadOf, type Reduction, reduce, type StateDefinition } from './state-definition.js';
import type { Writer, WrittenAction } from './writer.js';

/** Options of a {@link Machine}, the optional fifth constructor argument. */
export interface MachineOptions<S> {
  /** Where skipped actions and recorder failures are logged (see LoggerOption); false for none. @default warnings and errors on stderr */
  readonly logger?: LoggerOption;
  /** Told about every skipped action (unknown type, failing handler) and recorder or reader failure. */
  readonly onError?: (error: Error, action: Action | null, state: S) => void;
  /** Told what each `start()` did once the machine first caught up with its reader. */
  readonly onRecovery?: (report: MachineRecoveryReport) => void;
}

/** A recovery under way: from `start()` until the first catch-up. */
interface RecoveryTally {
  readonly started: number;
  readonly snapshotActionId: string | null;
  actions: number;
  bytes: number | undefined;
}

/** Lifecycle of a machine. */
export type MachineStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** One action a machine can run: a declared type and its payload. */
export type MachineAction<H> = { [K in keyof H & string]: { readonly type: K; readonly payload: PayloadOf<H[K]> } }[keyof H & string];

/** Events a machine emits. */
export interface MachineEventMap<S> {
  /** After each delivered action was applied (or skipped) and recorded. */
  dispatch: (snapshot: Snapshot<S, Action>) => void;
  /** An action was skipped, or the recorder or reader failed. */
  error: (error: Error, action: Action | null) => void;
}

/** Runs a state definition over a reader, a writer and a recorder (default: {@link MemoryRecorder}). */
export class Machine<S, H extends ActionHandlers<S>> {
  /** The state definition this machine runs. */
  readonly definition: StateDefinition<S, H>;
  /** Where actions come from; the only thing that changes the state. */
  readonly reader: Reader;
  /** Where `run` sends actions. */
  readonly writer: Writer;
  /** Told after every dispatch; the source of the snapshot `start()` resumes from. */
  readonly recorder: Recorder<S, Action>;
  readonly #logger: Logger;
  readonly #onError: MachineOptions<S>['onError'];
  readonly #onRecovery: MachineOptions<S>['onRecovery'];
  /** Counts what the reader delivers until the first catch-up after `start()`. */
  #recovery: RecoveryTally | undefined;
  readonly #events = new MachineEvents<MachineEventMap<S>>();
  #state: S;
  #lastAction: Action | null = null;
  #status: MachineStatus = 'idle';
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #caughtUp: Deferred<S> = deferred();
  readonly #pending = new PendingRuns<Reduction<S>>();
  /** The action being applied right now, so stop() can let it finish. */
  #dispatching: Promise<void> | undefined;

  constructor(
    definition: StateDefinition<S, H>,
    reader: Reader,
    writer: Writer,
    // NoInfer: the definition alone decides S; a recorder typed loosely must not widen it.
    // Recorder<unknown>: a recorder that names no state type (`new StoreRecorder(store, options)`) keeps this machine's states.
    recorder?: Recorder<NoInfer<S>, Action> | Recorder<unknown, Action>,
    options: MachineOptions<NoInfer<S>> = {},
  ) {
    if (typeof definition !== 'object' || definition === null || !Array.isArray(definition.actionTypes)) {
      invalidArgument('definition', 'a state definition made by defineState()', definition);
    }
    if (typeof reader?.read !== 'function') invalidArgument('reader', 'a Reader (an object with read(afterId, options))', reader);
    if (typeof writer?.write !== 'function') invalidArgument('writer', 'a Writer (an object with write(draft))', writer);
    if (recorder !== undefined && typeof recorder?.afterDispatch !== 'function') {
      invalidArgument('recorder', 'a Recorder (an object with afterDispatch(snapshot))', recorder);
    }
    if (options.onError !== undefined) validateFunction(options.onError, 'options.onError');
    if (options.onRecovery !== undefined) validateFunction(options.onRecovery, 'options.onRecovery');
    this.definition = definition;
    this.reader = reader;
    this.writer = writer;
    this.recorder = (recorder as Recorder<S, Action> | undefined) ?? new MemoryRecorder<S>();
    this.#logger = resolveLogger(options.logger);
    this.#onError = options.onError;
    this.#onRecovery = options.onRecovery;
    this.#state = definition.initialState;
  }

  /** The definition's name. */
  get name(): string {
    return this.definition.name;
  }

  /** The current state: the result of every action delivered so far. */
  get state(): S {
    return this.#state;
  }

  /** The last action delivered (applied or skipped), or null. */
  get lastAction(): Action | null {
    return this.#lastAction;
  }

  /** Where the machine is in its lifecycle. */
  get status(): MachineStatus {
    return this.#status;
  }

  /** Subscribes to `dispatch` or `error` events. */
  on<K extends keyof MachineEventMap<S>>(event: K, listener: MachineEventMap<S>[K]): Unsubscribe {
    validateFunction(listener, 'listener');
    return this.#events.on(event, listener);
  }

  /**
   * Loads the recorder's latest snapshot (if it has `loadSnapshot`), tells the recorder the
   * starting state, and starts reading strictly after the snapshot's action. Resolves once
   * reading has begun; await {@link caughtUp} to wait for the source's head.
   */
  async start(): Promise<void> {
    if (this.#status === 'starting' || this.#status === 'running') return;
    if (this.#status === 'stopping') await this.#settled();
    this.#status = 'starting';
    this.#caughtUp = deferred();
    const started = performance.now();
    let loaded: Snapshot<S, Action> | null;
    try {
      loaded = this.recorder.loadSnapshot ? await this.recorder.loadSnapshot() : null;
      if (loaded !== null && loaded !== undefined) this.#checkLoaded(loaded);
    } catch (cause) {
      this.#status = 'failed';
      throw new RecoveryError(`[${this.name}] the recorder could not load the snapshot to start from: ${causeText(cause)}`, {
        cause,
        source: 'machine',
      });
    }
    this.#state = loaded ? loaded.state : this.definition.initialState;
    this.#lastAction = loaded ? loaded.action : null;
    this.#recovery = { started, snapshotActionId: this.#lastAction?.id ?? null, actions: 0, bytes: 0 };
    await this.#record({ action: null, state: this.#state });
    const abort = new AbortController();
    this.#abort = abort;
    this.#status = 'running';
    this.#loop = this.#consume(this.#lastAction?.id ?? null, abort.signal);
  }

  /** Resolves with the state once the reader has delivered everything currently in the source. */
  caughtUp(): Promise<S> {
    if (this.#status === 'idle') {
      return Promise.reject(
        new InvalidStateError(`[${this.name}] caughtUp: expected a started machine, found it idle`, { source: 'machine' }),
      );
    }
    return this.#caughtUp.promise;
  }

  /**
   * Sends an action through the writer and resolves with the state after the reader has
   * delivered it back and it was applied. Rejects when its handler failed (the action is
   * skipped by every machine) or the machine stops first.
   */
  async run<K extends keyof H & string>(type: K, payload: PayloadOf<H[K]>): Promise<S> {
    this.#assertRunning('run');
    this.#checkType(type, 'type');
    const [written] = await this.#write([{ type, payload, timestamp: Date.now() }]);
    const outcome = await this.#outcomeOf(written as WrittenAction);
    if (outcome.error) throw outcome.error;
    return outcome.state;
  }

  /** Alias of {@link run}, in mintBlue's vocabulary. */
  dispatch<K extends keyof H & string>(type: K, payload: PayloadOf<H[K]>): Promise<S> {
    return this.run(type, payload);
  }

  /**
   * Sends many actions in one writer call (`writeMany` when the writer has it) and
   * resolves with the state after the last was applied. Skipped actions are reported
   * through `onError` and the `error` event, not thrown.
   */
  async runMany(actions: readonly MachineAction<H>[]): Promise<S> {
    this.#assertRunning('runMany');
    if (!Array.isArray(actions)) invalidArgument('actions', 'an array of { type, payload }', actions);
    if (actions.length === 0) return this.#state;
    const timestamp = Date.now();
    const drafts = actions.map((action: MachineAction<H>, index) => {
      if (typeof action !== 'object' || action === null) invalidArgument(`actions[${index}]`, 'an action { type, payload }', action);
      this.#checkType(action.type, `actions[${index}].type`);
      return { type: action.type, payload: action.payload, timestamp };
    });
    const written = await this.#write(drafts);
    return (await this.#outcomeOf(written[written.length - 1] as WrittenAction)).state;
  }

  /** Stores the current state through the recorder's `createSnapshot` (when it has one); before any action, the initial state. */
  async createSnapshot(): Promise<void> {
    if (!this.recorder.createSnapshot) return;
    await this.recorder.createSnapshot({ action: this.#lastAction, state: this.#state });
  }

  /**
   * Stops reading, fails calls still waiting for their action, and lets the recorder write
   * what it holds (`stop()`, else `flush()`). The machine can be started again.
   */
  async stop(): Promise<void> {
    if (this.#status === 'idle' || this.#status === 'stopped') return;
    this.#status = 'stopping';
    this.#abort?.abort();
    await this.#settled();
    this.#rejectWaiters(
      new InvalidStateError(`[${this.name}] the machine stopped before the action was delivered back`, { source: 'machine' }),
    );
    this.#caughtUp.resolve(this.#state);
    try {
      if (this.recorder.stop) await this.recorder.stop();
      else if (this.recorder.flush) await this.recorder.flush();
    } catch (cause) {
      this.#report(cause, null);
    }
    this.#status = 'stopped';
  }

  /** Events and snapshots of this machine's source, oldest first (see docs/time-travel.md). */
  history(options?: HistoryOptions): Promise<HistoryEntry[]> {
    return machineHistory(this.#timeTravelContext(), options);
  }

  /** The state right after action `actionId` (null: the initial state), rebuilt from the nearest snapshot plus replay. */
  stateAt(actionId: string | null): Promise<S> {
    return machineStateAt(this.#timeTravelContext(), actionId);
  }

  #timeTravelContext() {
    return { definition: this.definition, reader: this.reader, recorder: this.recorder };
  }

  async #consume(afterId: string | null, signal: AbortSignal): Promise<void> {
    let iterator: AsyncIterator<Action> | undefined;
    // A running machine is foreground work: it keeps the process alive until it stops,
    // fails or its reader ends, whatever the reader waits on.
    const hold = holdProcess();
    signal.addEventListener('abort', hold.release, { once: true });
    try {
      iterator = this.reader.read(afterId, { signal, onCaughtUp: () => this.#onCaughtUp() })[Symbol.asyncIterator]();
      while (!signal.aborted) {
        const next = await iterator.next();
        // Delivered after stop(): the machine no longer applies anything.
        if (next.done || signal.aborted) break;
        const dispatching = this.#dispatch(next.value);
        this.#dispatching = dispatching;
        await dispatching;
        this.#dispatching = undefined;
      }
      // A reader that ended on its own caught up; a stopped machine's recovery is not reported.
      if (signal.aborted) this.#caughtUp.resolve(this.#state);
      else this.#onCaughtUp();
    } catch (cause) {
      if (signal.aborted) return;
      const error = new RecoveryError(
        `[${this.name}] the reader failed after action ${describeValue(this.#lastAction?.id ?? null)}: ${causeText(cause)}`,
        { cause, source: 'machine' },
      );
      this.#status = 'failed';
      this.#report(error, null);
      this.#caughtUp.reject(error);
      this.#rejectWaiters(error);
    } finally {
      hold.release();
      signal.removeEventListener('abort', hold.release);
      if (signal.aborted) iterator?.return?.()?.catch(() => {});
    }
  }

  /**
   * Resolves when the loop ended or, after an abort, once no action is being applied: a
   * hand-written reader that ignores the signal may never settle its pending `next()`, and
   * whatever it delivers later is dropped.
   */
  async #settled(): Promise<void> {
    const loop = this.#loop;
    if (!loop) return;
    let ended = false;
    void loop.then(() => {
      ended = true;
    });
    await Promise.resolve();
    while (!ended && this.#dispatching) await this.#dispatching;
    if (!ended) await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, 0))]);
  }

  async #dispatch(action: Action): Promise<void> {
    try {
      validateAction(action, 'delivered action');
    } catch (error) {
      // Without an id the machine cannot say where it is; skip without moving.
      this.#report(error, null);
      return;
    }
    const recovery = this.#recovery;
    if (recovery) {
      recovery.actions++;
      if (recovery.bytes !== undefined) {
        const size = storedSizeOf(action);
        recovery.bytes = size === undefined ? undefined : recovery.bytes + size;
      }
    }
    const outcome = reduce(this.definition, this.#state, action);
    this.#state = outcome.state;
    this.#lastAction = action;
    if (outcome.error) this.#report(outcome.error, action);
    const snapshot = { action, state: outcome.state };
    await this.#record(snapshot);
    if (this.#events.has('dispatch')) this.#events.emit('dispatch', snapshot);
    this.#pending.delivered(action.id, outcome);
  }

  /** The reader delivered everything in the source: the first time after `start()`, the recovery is reported. */
  #onCaughtUp(): void {
    const recovery = this.#recovery;
    this.#recovery = undefined;
    if (recovery) this.#reportRecovery(recovery);
    this.#caughtUp.resolve(this.#state);
  }

  #reportRecovery(recovery: RecoveryTally): void {
    const report: MachineRecoveryReport = {
      machine: this.name,
      snapshotActionId: recovery.snapshotActionId,
      actionsReplayed: recovery.actions,
      bytesRead: recovery.bytes,
      durationMs: performance.now() - recovery.started,
      snapshotTriggered: undefined,
    };
    let triggered: string | undefined;
    try {
      triggered = this.recorder.afterRecovery?.(report);
    } catch (cause) {
      this.#report(cause, this.#lastAction);
    }
    const final = triggered === undefined ? report : { ...report, snapshotTriggered: triggered };
    this.#logger.debug(`${MACHINE_PREFIX}[${this.name}] recovered`, { ...final });
    try {
      this.#onRecovery?.(final);
    } catch {
      // The recovery callback's own failure must not stop the machine.
    }
  }

  async #record(snapshot: Snapshot<S, Action>): Promise<void> {
    try {
      const recorded = this.recorder.afterDispatch(snapshot);
      // Skipping the await for recorders that return nothing saves a tick per action on replay.
      if (recorded && typeof recorded.then === 'function') await recorded;
    } catch (cause) {
      this.#report(cause, snapshot.action);
    }
  }

  /** Writes the drafts; the write stays counted as in flight until {@link #outcomeOf} claims it. */
  async #write(drafts: ActionDraft[]): Promise<readonly WrittenAction[]> {
    this.#pending.begin();
    try {
      let written: readonly WrittenAction[];
      if (drafts.length > 1 && this.writer.writeMany) written = await this.writer.writeMany(drafts);
      else {
        const each: WrittenAction[] = [];
        for (const draft of drafts) each.push(await this.writer.write(draft));
        written = each;
      }
      if (!Array.isArray(written) || written.length !== drafts.length || written.some((w) => typeof w?.id !== 'string')) {
        invalidArgument('writer result', `${drafts.length} written action(s) with string ids`, written);
      }
      return written;
    } catch (error) {
      this.#pending.abandon();
      throw error;
    }
  }

  /** Waits for the action with this id to be delivered back (or finds it already delivered). */
  #outcomeOf(written: WrittenAction): Promise<Reduction<S>> {
    const outcome = this.#pending.claim(written.id);
    if (this.#status !== 'running' && this.#status !== 'starting') {
      this.#pending.rejectAll(
        new InvalidStateError(`[${this.name}] the machine stopped before action ${written.id} was delivered back`, { source: 'machine' }),
      );
    }
    return outcome;
  }

  #rejectWaiters(error: Error): void {
    this.#pending.rejectAll(error);
  }

  #assertRunning(operation: string): void {
    if (this.#status !== 'running' && this.#status !== 'starting') {
      throw new InvalidStateError(`[${this.name}] ${operation}: expected a started machine, found it ${this.#status}`, {
        source: 'machine',
        expected: 'running',
        actual: this.#status,
      });
    }
  }

  #checkType(type: unknown, argument: string): void {
    if (typeof type !== 'string' || !hasActionType(this.definition as never, type)) {
      invalidArgument(argument, `one of ${this.definition.actionTypes.join(', ')}`, type, { source: 'machine' });
    }
  }

  #checkLoaded(loaded: Snapshot<S, Action>): void {
    if (typeof loaded !== 'object' || !('state' in loaded)) invalidArgument('loaded snapshot', 'a snapshot { action, state }', loaded);
    if (loaded.action !== null) validateAction(loaded.action, 'loaded snapshot.action');
  }

  #report(cause: unknown, action: Action | null): void {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    this.#logger.error(error.message.startsWith('[memento] ') ? error.message : `${MACHINE_PREFIX}${error.message}`, {
      machine: this.name,
      actionId: action?.id,
      actionType: action?.type,
      error,
    });
    try {
      this.#onError?.(error, action, this.#state);
    } catch {
      // The error callback's own failure must not stop the machine.
    }
    this.#events.emit('error', error, action);
  }
}

/** The prefix every machine error's message starts with. */
const MACHINE_PREFIX = '[memento] [machine] ';

/**
 * A cause's message for the machine error that wraps it, without the machine prefix the
 * wrapping error adds again (a reader's or recorder's own RecoveryError carries it too).
 */
function causeText(cause: unknown): string {
  const message = String((cause as Error)?.message ?? cause);
  return message.startsWith(MACHINE_PREFIX) ? message.slice(MACHINE_PREFIX.length) : message;
}
