/**
 * In-process wake-up between a JournalWriter and JournalReaders of the same journal, so a
 * live reader sees local appends at once instead of at its next poll. Other processes
 * are still seen by polling.
 * @module
 */
import type { Journal } from '../spi/journal.js';

const listeners = new WeakMap<Journal, Map<string, Set<() => void>>>();

/** Tells local readers of `persistenceId` on `journal` that events were appended. */
export function notifyAppended(journal: Journal, persistenceId: string): void {
  const set = listeners.get(journal)?.get(persistenceId);
  if (set) for (const wake of [...set]) wake();
}

/** Registers `wake` for appends to `persistenceId` on `journal`; returns the unsubscribe function. */
export function onAppended(journal: Journal, persistenceId: string, wake: () => void): () => void {
  let byId = listeners.get(journal);
  if (!byId) {
    byId = new Map();
    listeners.set(journal, byId);
  }
  let set = byId.get(persistenceId);
  if (!set) {
    set = new Set();
    byId.set(persistenceId, set);
  }
  set.add(wake);
  const owned = set;
  return () => {
    owned.delete(wake);
    if (owned.size === 0) byId.delete(persistenceId);
  };
}
