/**
 * `memento-es/sqlite`: journal, snapshot store and durable state store in one SQLite file,
 * on better-sqlite3 (an optional peer dependency, loaded on first use). See docs/sqlite.md.
 *
 * @example
 * import { SqliteJournal, SqliteSnapshotStore } from 'memento-es/sqlite';
 * const journal = new SqliteJournal('./memento.db');
 * const snapshots = new SqliteSnapshotStore('./memento.db'); // shares the journal's connection
 * @module
 */
export type { SqliteDatabase, SqliteDriver, SqliteOpenOptions, SqliteRunResult, SqliteStatement } from './client.js';
export { APPLICATION_ID, type Migration, migrations, SCHEMA_VERSION } from './migrations/index.js';
export type {
  SqliteDurableStateStoreOptions,
  SqliteJournalOptions,
  SqliteOptions,
  SqliteSnapshotStoreOptions,
  SqliteSynchronous,
  SqliteTarget,
} from './options.js';
export { SqliteDurableStateStore } from './sqlite-durable-state-store.js';
export { SqliteJournal } from './sqlite-journal.js';
export { SqliteOffsetStore, type SqliteProjectionTransaction } from './sqlite-offset-store.js';
export { SqliteSnapshotStore } from './sqlite-snapshot-store.js';
