/**
 * The one timers module: timers that never keep the process alive (idle snapshots,
 * passivation, recorder debounces and live-query polls are background work, so a pending
 * one must not delay exit), a debounce, a sleep that an abort or a wake-up cuts short, and
 * the one referenced handle that does keep the process alive while foreground work (a live
 * query, a projection, a running machine) waits for something to happen.
 * Free of node:* imports, so machines run in a browser too.
 * @module
 */

/** A hold on the process, released once (further calls do nothing). */
export interface ProcessHold {
  release(): void;
}

// The longest delay timers accept; the callback never matters, only the referenced handle.
const HOLD_INTERVAL_MS = 2 ** 31 - 1;
const noop = (): void => {};

/**
 * Keeps the process running until released. Live reads wait on unref'd poll timers and
 * in-process notifications, which alone would let Node exit while a reader is meant to
 * run forever; this referenced interval is what says "still working".
 */
export function holdProcess(): ProcessHold {
  let handle: ReturnType<typeof setInterval> | undefined = setInterval(noop, HOLD_INTERVAL_MS);
  return {
    release: () => {
      if (handle === undefined) return;
      clearInterval(handle);
      handle = undefined;
    },
  };
}

/** A cancellable timer (one-shot or repeating). */
export interface OneShotTimer {
  cancel(): void;
}

/** Runs `fn` after `ms` milliseconds on an unref'd timer. */
export function startTimer(ms: number, fn: () => void): OneShotTimer {
  const handle = setTimeout(fn, ms);
  (handle as { unref?: () => void }).unref?.();
  return { cancel: () => clearTimeout(handle) };
}

/** Runs `fn` every `ms` milliseconds on an unref'd interval until cancelled. */
export function startRepeating(ms: number, fn: () => void): OneShotTimer {
  const handle = setInterval(fn, ms);
  (handle as { unref?: () => void }).unref?.();
  return { cancel: () => clearInterval(handle) };
}

/** Restarts on every `touch()`; fires once `ms` passed without one (a debounce). */
export class Debounce {
  #timer: OneShotTimer | undefined;

  constructor(
    private readonly ms: number,
    private readonly fn: () => void,
  ) {}

  /** (Re)starts the wait. */
  touch(): void {
    this.#timer?.cancel();
    this.#timer = startTimer(this.ms, () => {
      this.#timer = undefined;
      this.fn();
    });
  }

  /** True while a wait is running. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops the wait without firing. */
  cancel(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

/**
 * Resolves after `ms`, or earlier when `signal` aborts or `subscribe` calls its wake-up
 * function (`subscribe` returns the unsubscribe function). Never rejects.
 */
export function sleep(ms: number, signal?: AbortSignal, subscribe?: (wake: () => void) => () => void): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    let unsubscribe: (() => void) | undefined;
    const done = (): void => {
      timer.cancel();
      signal?.removeEventListener('abort', done);
      unsubscribe?.();
      resolve();
    };
    const timer = startTimer(ms, done);
    signal?.addEventListener('abort', done, { once: true });
    unsubscribe = subscribe?.(done);
  });
}

/**
 * Resolves on the next turn of the event loop, after pending I/O and signal handlers: a
 * loop over a store that answers synchronously (SQLite) awaits it now and then, else
 * only promise jobs would run and Ctrl-C would wait for the loop to end. `setImmediate`
 * where the platform has one (Node), else a zero timeout (browsers, where machines run too).
 */
export function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => {
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });
}
