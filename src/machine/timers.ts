/**
 * Timers that never keep the process alive, and an abortable sleep that a local append
 * can cut short. Free of node:* imports.
 * @module
 */

/** A timer handle from setTimeout, in Node or a browser. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** setTimeout whose timer does not keep a Node process alive (recorders and readers are background work). */
export function unrefTimeout(callback: () => void, ms: number): TimerHandle {
  const timer = setTimeout(callback, ms);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * Resolves after `ms`, or earlier when `signal` aborts or `subscribe` calls its wake-up
 * function. `subscribe` returns an unsubscribe function.
 */
export function sleep(ms: number, signal: AbortSignal, subscribe?: (wake: () => void) => () => void): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    let unsubscribe: (() => void) | undefined;
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      unsubscribe?.();
      resolve();
    };
    const timer = unrefTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    unsubscribe = subscribe?.(done);
  });
}
