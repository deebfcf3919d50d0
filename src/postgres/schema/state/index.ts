/**
 * The durable state store's SQL, one operation per file.
 * @module
 */
export * from './change-state.js';
export * from './get-state.js';
