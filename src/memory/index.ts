export { MemoryDurableStateStore, type MemoryDurableStateStoreOptions } from './memory-durable-state-store.js';
export { MemoryJournal, type MemoryJournalOptions } from './memory-journal.js';
export { MemoryOffsetStore, type MemoryOffsetStoreOptions } from './memory-offset-store.js';
export { MemorySnapshotStore, type MemorySnapshotStoreOptions } from './memory-snapshot-store.js';
