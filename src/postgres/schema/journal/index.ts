/**
 * The journal's SQL, one operation per file.
 * @module
 */
export * from './append-events.js';
export * from './append-in-transaction.js';
export * from './delete-events.js';
export * from './find-written.js';
export * from './highest-sequence-nr.js';
export * from './read-by-ordering.js';
export * from './read-events.js';
