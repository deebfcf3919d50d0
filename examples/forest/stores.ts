/**
 * The demo's stores, behind one factory: SQLite in `./.memento/` (the embedded default),
 * or memory for a dry run. Switching backends is this one file.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Journal, MemoryJournal, MemorySnapshotStore, type SnapshotStore } from '../../src/index.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';

/** Which backend the demo uses. */
export type StoreKind = 'sqlite' | 'memory';

/** A journal and a snapshot store, and how to close both. */
export interface ForestStores {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  /** Where the data lives, for the summary. */
  readonly location: string;
  close(): Promise<void>;
}

/** Opens the stores; SQLite files go to `directory`. */
export function openStores(kind: StoreKind, directory: string): ForestStores {
  if (kind === 'memory') {
    const journal = new MemoryJournal();
    const snapshotStore = new MemorySnapshotStore();
    return {
      journal,
      snapshotStore,
      location: 'memory',
      close: async () => Promise.all([journal.close(), snapshotStore.close()]).then(() => {}),
    };
  }
  mkdirSync(directory, { recursive: true });
  const file = join(directory, 'forest.db');
  // NORMAL in WAL mode: a crash never corrupts the file; a power cut may lose the last commits.
  const journal = new SqliteJournal(file, { synchronous: 'NORMAL' });
  const snapshotStore = new SqliteSnapshotStore(file, { synchronous: 'NORMAL' });
  return {
    journal,
    snapshotStore,
    location: file,
    close: async () => {
      await snapshotStore.close();
      await journal.close();
    },
  };
}
