/** Values persisted on the memory stores read back exactly, or are refused with nothing stored. */
import { MemoryDurableStateStore, MemoryJournal, MemorySnapshotStore } from '../../src/index.js';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';

storeRoundTripSuite(
  'memory',
  async () => ({
    journal: new MemoryJournal(),
    snapshotStore: new MemorySnapshotStore(),
    durableStateStore: new MemoryDurableStateStore(),
    close: async () => {},
  }),
  ['events', 'snapshots', 'state', 'entity'],
  100,
);
