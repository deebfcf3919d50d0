export { ChangeWaiter, type PollOptions } from './change-waiter.js';
export { createReadJournal, type ReadJournalOptions, sequenceOffset } from './read-journal.js';
