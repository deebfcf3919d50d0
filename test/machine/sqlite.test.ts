import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { machineSuite } from './machine-suite.js';

machineSuite('sqlite', () => {
  const directory = mkdtempSync(join(tmpdir(), 'memento-machine-'));
  const file = join(directory, 'machine.db');
  const journal = new SqliteJournal(file, { synchronous: 'NORMAL' });
  const snapshotStore = new SqliteSnapshotStore(file, { synchronous: 'NORMAL' });
  return {
    journal,
    snapshotStore,
    close: async () => {
      await snapshotStore.close();
      await journal.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
