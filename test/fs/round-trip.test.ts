/** Snapshots saved as files read back exactly, or are refused with nothing stored. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSnapshotStore } from '../../src/fs/index.js';
import { MemoryJournal } from '../../src/index.js';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';

storeRoundTripSuite(
  'fs',
  async () => {
    const directory = await mkdtemp(join(tmpdir(), 'memento-fs-round-trip-'));
    const snapshotStore = new FileSnapshotStore({ directory });
    return {
      // The entity test needs a journal beside the snapshots; the files are what is checked.
      journal: new MemoryJournal(),
      snapshotStore,
      close: async () => {
        await snapshotStore.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
  ['snapshots', 'entity'],
  30,
);
