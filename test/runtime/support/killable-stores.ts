/**
 * Stores of one process that can be killed: after `kill()` every call fails as if the
 * process had died, so nothing it still had in flight reaches the shared stores. A new
 * "process" wraps the same inner stores again.
 */
import { type Journal, type SnapshotStore, StoreUnavailableError } from '../../../src/index.js';

function killable<T extends object>(inner: T, isKilled: () => boolean): T {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (isKilled()) throw new StoreUnavailableError('process killed (simulated)', { source: 'test' });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** One process's view of the shared stores. */
export class ProcessStores {
  #killed = false;
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;

  constructor(journal: Journal, snapshotStore: SnapshotStore) {
    this.journal = killable(journal, () => this.#killed);
    this.snapshotStore = killable(snapshotStore, () => this.#killed);
  }

  /** From now on, every store call of this process fails. */
  kill(): void {
    this.#killed = true;
  }
}
