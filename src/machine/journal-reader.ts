/**
 * A reader over any Journal: replays one persistence id in pages and, when live, tails it
 * with the shared poll-with-backoff tailer (`ChangeWaiter`), woken at once by local
 * JournalWriters. A hole in the actions, or a first catch-up below the journal's recorded
 * highest sequence number (a deleted tail), fails the read with a RecoveryError instead of
 * resuming a machine in a wrong state.
 * @module
 */
import { RecoveryError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { DEFAULT_REPLAY_PACING, ReplayPacer, type ReplayPacing, type ReplayProgress } from '../core/replay-pacer.js';
import { invalidArgument, MAX_SEQUENCE_NR, validateFunction, validateInteger } from '../core/validation.js';
import { type ChangeSource, ChangeWaiter } from '../spi/change-waiter.js';
import type { Journal } from '../spi/journal.js';
import type { Action } from './action.js';
import { onAppended } from './append-signal.js';
import { sequenceNrOfActionId, toAction } from './journal-action-codec.js';
import type { Reader, ReadOptions } from './reader.js';

/** Options of {@link JournalReader}. */
export interface JournalReaderOptions {
  /** Keep reading new actions after catching up. @default true */
  readonly live?: boolean;
  /** First delay between polls once caught up, in ms. @default 100 */
  readonly pollIntervalMs?: number;
  /** Longest delay between polls: idle polls double the delay up to this. @default 2000 */
  readonly maxPollIntervalMs?: number;
  /** Events fetched per journal replay call. @default 5000 */
  readonly pageSize?: number;
  /** Ends every read started by this reader, in addition to the machine's signal. */
  readonly signal?: AbortSignal;
  /** Longest stretch of reading, in ms, before other work gets a turn of the event loop; `Infinity` never pauses. @default 10 */
  readonly yieldEveryMs?: number;
  /** Told how far a long first catch-up has got, every `progressEveryMs`, and once more (`done`) when it ends. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Least time between two progress reports, in ms; the first comes after this long. @default 500 */
  readonly progressEveryMs?: number;
}

/** Names the journal and persistence id a reader or recorder works on, for time travel. */
export interface JournalSource {
  /** The journal. */
  readonly journal: Journal;
  /** The persistence id within it. */
  readonly persistenceId: string;
}

/** True when `value` exposes the journal it reads (time travel uses it). */
export function isJournalSource(value: unknown): value is JournalSource {
  const candidate = value as Partial<JournalSource> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.persistenceId === 'string' && !!candidate.journal;
}

/** Reads the actions of one persistence id from a journal; action ids are sequence numbers. */
export class JournalReader implements Reader, JournalSource {
  /** The journal read. */
  readonly journal: Journal;
  /** Whose events are read. */
  readonly persistenceId: string;
  readonly #live: boolean;
  readonly #pollIntervalMs: number;
  readonly #maxPollIntervalMs: number;
  readonly #pageSize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #pacing: ReplayPacing;

  constructor(journal: Journal, persistenceId: string, options: JournalReaderOptions = {}) {
    if (typeof journal?.replay !== 'function') invalidArgument('journal', 'a Journal', journal);
    validatePersistenceId(persistenceId);
    this.journal = journal;
    this.persistenceId = persistenceId;
    this.#live = options.live ?? true;
    this.#pollIntervalMs = validateInteger(options.pollIntervalMs ?? 100, 'options.pollIntervalMs', { persistenceId }, { min: 1 });
    this.#maxPollIntervalMs = validateInteger(
      options.maxPollIntervalMs ?? Math.max(2000, this.#pollIntervalMs),
      'options.maxPollIntervalMs',
      { persistenceId },
      { min: this.#pollIntervalMs },
    );
    this.#pageSize = validateInteger(options.pageSize ?? 5000, 'options.pageSize', { persistenceId }, { min: 1 });
    this.#signal = options.signal;
    if (options.onProgress !== undefined) validateFunction(options.onProgress, 'options.onProgress', { persistenceId });
    this.#pacing = {
      yieldEveryMs: validateInteger(
        options.yieldEveryMs ?? DEFAULT_REPLAY_PACING.yieldEveryMs,
        'options.yieldEveryMs',
        { persistenceId },
        { min: 0, allowInfinity: true },
      ),
      progressEveryMs: validateInteger(
        options.progressEveryMs ?? DEFAULT_REPLAY_PACING.progressEveryMs,
        'options.progressEveryMs',
        { persistenceId },
        { min: 1 },
      ),
      onProgress: options.onProgress,
    };
  }

  /** Actions strictly after `afterId`; ends at the head unless live, else when aborted. */
  async *read(afterId: string | null, options: ReadOptions): AsyncIterable<Action> {
    let next = afterId === null ? 1 : sequenceNrOfActionId(afterId, 'afterId') + 1;
    const signal = this.#signal ? AbortSignal.any([options.signal, this.#signal]) : options.signal;
    // Woken early by local appends; otherwise backs off so an idle reader costs little.
    const waiter = new ChangeWaiter(this.#appends(), signal, { minPollMs: this.#pollIntervalMs, maxPollMs: this.#maxPollIntervalMs });
    if (this.#live) waiter.start();
    // Until the first catch-up is confirmed against the journal's recorded highest sequence
    // number, the highest read before the latest pass (a pass that then ends below it found a
    // deleted tail, not a write still on its way).
    let resumed = false;
    let highestBeforePass = 0;
    // Progress is of the first catch-up only (its total is known); later reads are only paced.
    const total = this.#pacing.onProgress ? Math.max(0, (await this.journal.highestSequenceNr(this.persistenceId)) - next + 1) : undefined;
    let pacer = new ReplayPacer(this.persistenceId, total, this.#pacing);
    try {
      while (!signal.aborted) {
        let count = 0;
        for await (const repr of this.journal.replay(this.persistenceId, next, MAX_SEQUENCE_NR, this.#pageSize)) {
          if (repr.sequenceNr !== next) throw missingActions(this.persistenceId, next, repr.sequenceNr - 1);
          count++;
          next = repr.sequenceNr + 1;
          yield toAction(repr);
          if (signal.aborted) return;
          const pause = pacer.step();
          if (pause) await pause;
        }
        if (count === this.#pageSize) continue;
        if (!resumed) {
          if (highestBeforePass >= next) throw missingActions(this.persistenceId, next, highestBeforePass);
          highestBeforePass = await this.journal.highestSequenceNr(this.persistenceId);
          // Written since this pass began, or missing: the next pass tells which.
          if (highestBeforePass >= next) continue;
          resumed = true;
          pacer.finish();
          pacer = new ReplayPacer(this.persistenceId, undefined, { ...this.#pacing, onProgress: undefined });
        }
        options.onCaughtUp?.();
        if (!this.#live) return;
        if (count > 0) waiter.progressed();
        if (!(await waiter.wait())) return;
      }
    } finally {
      await waiter.close();
    }
  }

  /** Local appends to this reader's id, as a change source. */
  #appends(): ChangeSource {
    return {
      closeSignal: this.journal.closeSignal,
      subscribe: async (listener) => {
        const unsubscribe = onAppended(this.journal, this.persistenceId, () => listener({ ordering: 0 }));
        return { close: async () => unsubscribe() };
      },
    };
  }
}

/** The error for actions the journal no longer holds although later ones (or its recorded highest) exist. */
function missingActions(persistenceId: string, from: number, to: number): RecoveryError {
  const range = from === to ? `action ${from} is` : `actions ${from} to ${to} are`;
  return new RecoveryError(
    `cannot resume ${JSON.stringify(persistenceId)}: ${range} no longer in the journal (deleted?), so reading on would build a wrong state`,
    { persistenceId, expected: `actions from ${from}`, actual: 'missing', source: 'machine' },
  );
}
