/**
 * A tiny typed event emitter for machines, free of node:* imports so the same code runs
 * in a browser inspector. Listener errors are swallowed: observers must not break a machine.
 * @module
 */

/** Unsubscribes a listener. */
export type Unsubscribe = () => void;

/** Typed listeners by event name. */
export class MachineEvents<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): Unsubscribe {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** True when anyone listens to `event` (lets hot paths skip building arguments). */
  has(event: keyof Events): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  /** Calls every listener of `event`. */
  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...values: Parameters<Events[K]>) => void)(...args);
      } catch {
        // An observer's bug is not the machine's failure.
      }
    }
  }
}
