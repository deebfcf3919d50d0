/**
 * The snapshot store's SQL, one operation per file.
 * @module
 */
export * from './delete-snapshots.js';
export * from './read-snapshots.js';
export * from './save-snapshot.js';
