import { MemoryDurableStateStore, MemoryJournal, MemorySnapshotStore } from '../../src/index.js';
import {
  durableStateQueryConformance,
  durableStateStoreConformance,
  journalConformance,
  queryConformance,
  snapshotStoreConformance,
} from '../../src/tck/index.js';

// The memory stores time only some operations until they stand on the spi's guarded stores.
const untimed = {
  reason: 'the memory store reports only some operations to hooks.onOperation',
  tests: ['reports each operation to hooks.onOperation with the store and persistence id'],
};

journalConformance('memory', (context) => new MemoryJournal(context), { skip: [untimed] });
snapshotStoreConformance('memory', (context) => new MemorySnapshotStore(context), {
  damageSnapshot: async (store, persistenceId, sequenceNr) => {
    const bytes = store.storedBytes(persistenceId, sequenceNr);
    if (!bytes) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
  },
  skip: [untimed],
});
durableStateStoreConformance('memory', (context) => new MemoryDurableStateStore(context), { skip: [untimed] });
queryConformance('memory', (context) => new MemoryJournal(context));
durableStateQueryConformance('memory', (context) => new MemoryDurableStateStore(context));
