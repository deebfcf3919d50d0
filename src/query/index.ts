export { ChangeWaiter, type PollOptions } from './change-waiter.js';
export { createDurableStateQueries, type DurableStateChangeEnvelope, type DurableStateQueries } from './durable-state-queries.js';
export {
  isTransactionalOffsetStore,
  MemoryOffsetStore,
  type OffsetStore,
  offsetFromNumber,
  offsetToNumber,
  type TransactionalOffsetStore,
  validateProjectionName,
} from './offset-store.js';
export { type ProjectionContext, type ProjectionOptions, type RunningProjection, runProjection } from './projection.js';
export { createReadJournal, type ReadJournalOptions, sequenceOffset } from './read-journal.js';
