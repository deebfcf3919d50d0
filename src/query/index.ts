export { ChangeWaiter, type PollOptions } from '../spi/change-waiter.js';
export { createDurableStateQueries, type DurableStateChangeEnvelope, type DurableStateQueries } from './durable-state-queries.js';
export { type ProjectionContext, type ProjectionOptions, type RunningProjection, runProjection, type TransactionOf } from './projection.js';
export { createReadJournal, type ReadJournalOptions, sequenceOffset } from './read-journal.js';
