import { MemoryDurableStateStore, MemoryJournal, MemoryOffsetStore, MemorySnapshotStore } from '../../src/index.js';
import {
  durableStateQueryConformance,
  durableStateStoreConformance,
  journalConformance,
  offsetStoreConformance,
  queryConformance,
  snapshotStoreConformance,
} from '../../src/tck/index.js';
import { largePayloads } from '../support/large-payloads.js';

journalConformance('memory', (context) => new MemoryJournal(context), largePayloads());
snapshotStoreConformance('memory', (context) => new MemorySnapshotStore(context), {
  ...largePayloads(),
  damageSnapshot: async (store, persistenceId, sequenceNr) => {
    const bytes = store.storedBytes(persistenceId, sequenceNr);
    if (!bytes) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
  },
});
durableStateStoreConformance('memory', (context) => new MemoryDurableStateStore(context), largePayloads());
queryConformance('memory', (context) => new MemoryJournal(context));
durableStateQueryConformance('memory', (context) => new MemoryDurableStateStore(context));
offsetStoreConformance('memory', (context) => new MemoryOffsetStore(context));
