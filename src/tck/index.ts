/**
 * `memento-es/tck`: conformance suites every storage plugin runs, as vitest suites a
 * plugin's test file calls in a few lines:
 *
 * ```ts
 * import { journalConformance } from 'memento-es/tck';
 * journalConformance('my-store', () => new MyJournal({ url }));
 * ```
 * @module
 */

export { type DurableStateQueryConformanceOptions, durableStateQueryConformance } from './durable-state-query-conformance.js';
export { type DurableStateStoreConformanceOptions, durableStateStoreConformance } from './durable-state-store-conformance.js';
export { atomicWrite, event, type JournalConformanceOptions, journalConformance } from './journal-conformance.js';
export {
  type ClosableOffsetStore,
  type OffsetStoreConformanceOptions,
  offsetStoreConformance,
} from './offset-store-conformance.js';
export { type QueryConformanceOptions, queryConformance } from './query-conformance.js';
export { type SnapshotStoreConformanceOptions, snapshotStoreConformance } from './snapshot-store-conformance.js';
export { type ConformanceOptions, type ConformanceSkip, collect, hostileIds, invalidIds, type StoreFactory, uniqueId } from './support.js';
