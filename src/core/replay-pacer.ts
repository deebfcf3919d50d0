/**
 * Pacing for long replays (entity recovery, machine catch-up): a replay over a store that
 * answers from memory or synchronously (SQLite) only ever awaits resolved promises, so
 * without a pause it holds the event loop until it ends and every timer, socket and HTTP
 * request beside it waits. The pacer counts events, lets the event loop run once a slice
 * of `sliceMs` has passed, and reports progress every `progressEveryMs`.
 * Free of node:* imports, so machines run in a browser too.
 * @module
 */
import { nextTurn } from './timers.js';

/** How far a long replay has got. */
export interface ReplayProgress {
  /** Whose events are replayed. */
  readonly persistenceId: string;
  /** Events replayed so far. */
  readonly replayed: number;
  /** Events the replay expects in all (fewer arrive when `replayMax` or a deleted tail cuts it short); undefined when unknown. */
  readonly total: number | undefined;
  /** Milliseconds since the replay began. */
  readonly elapsedMs: number;
  /** Events per second since the replay began. */
  readonly eventsPerSecond: number;
  /** True on the last report, sent when the replay ends (however short it was). */
  readonly done: boolean;
}

/** Pacing settings, validated. */
export interface ReplayPacing {
  /** Longest stretch of replay, in ms, before the event loop runs; `Infinity` never pauses. */
  readonly yieldEveryMs: number;
  /** Least time between two progress reports, in ms; the first comes after this long. */
  readonly progressEveryMs: number;
  /** Told about progress; nothing is measured for it when absent. */
  readonly onProgress?: ((progress: ReplayProgress) => void) | undefined;
}

/** The default pacing: a pause at least every 10 ms, progress (when asked for) every 500 ms. */
export const DEFAULT_REPLAY_PACING: ReplayPacing = Object.freeze({ yieldEveryMs: 10, progressEveryMs: 500 });

// The clock is read every few events, not every event: cheap enough for the fastest
// replays, and a handful of small events never takes long enough to matter. Once a few
// events took longer than SLOW_EVENTS_MS (large events, a slow handler), it is read after
// every event instead, so a slice never overruns by more than one event.
const CLOCK_EVERY = 16;
const SLOW_EVENTS_MS = 1;

/** Paces one replay: call {@link step} after every event and {@link finish} at its end. */
export class ReplayPacer {
  readonly #persistenceId: string;
  readonly #total: number | undefined;
  readonly #pacing: ReplayPacing;
  readonly #started = performance.now();
  #sliceStarted = this.#started;
  #lastReport = this.#started;
  #lastClock = this.#started;
  // The first event is timed at once: large events must not run a whole window unchecked.
  #untilClock = 1;
  #replayed = 0;

  constructor(persistenceId: string, total: number | undefined, pacing: ReplayPacing) {
    this.#persistenceId = persistenceId;
    this.#total = total;
    this.#pacing = pacing;
  }

  /** Events counted so far. */
  get replayed(): number {
    return this.#replayed;
  }

  /** Counts one event; returns a promise to await first when the event loop is due a turn. */
  step(): Promise<void> | undefined {
    this.#replayed++;
    if (--this.#untilClock > 0) return undefined;
    const now = performance.now();
    this.#untilClock = now - this.#lastClock > SLOW_EVENTS_MS ? 1 : CLOCK_EVERY;
    this.#lastClock = now;
    if (this.#pacing.onProgress && now - this.#lastReport >= this.#pacing.progressEveryMs) {
      this.#lastReport = now;
      this.#report(now, false);
    }
    if (now - this.#sliceStarted < this.#pacing.yieldEveryMs) return undefined;
    return nextTurn().then(() => {
      this.#sliceStarted = performance.now();
      this.#lastClock = this.#sliceStarted;
    });
  }

  /** Ends the replay: a last report, `done: true`. */
  finish(): void {
    if (this.#pacing.onProgress) this.#report(performance.now(), true);
  }

  #report(now: number, done: boolean): void {
    const elapsedMs = now - this.#started;
    const progress: ReplayProgress = {
      persistenceId: this.#persistenceId,
      replayed: this.#replayed,
      total: this.#total,
      elapsedMs,
      eventsPerSecond: elapsedMs > 0 ? (this.#replayed * 1000) / elapsedMs : 0,
      done,
    };
    try {
      this.#pacing.onProgress?.(progress);
    } catch {
      // A broken progress callback is the caller's bug, not a reason to fail a recovery.
    }
  }
}
