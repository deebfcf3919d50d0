/**
 * Timers that never keep the process alive: idle snapshots and passivation are
 * optimisations, so a pending one must not delay exit.
 * @module
 */

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
