/**
 * `memento-es/postgres`: journal, snapshot store and durable state store on PostgreSQL,
 * through `pg` (an optional peer dependency: pass a `pg.Pool`, or a connection string and
 * the plugin imports `pg` when it first connects).
 *
 * ```ts
 * import { PostgresJournal, migrate } from 'memento-es/postgres';
 * await migrate({ pool, schema: 'app' });
 * const journal = new PostgresJournal({ pool, schema: 'app' });
 * ```
 * @module
 */

export type { PostgresConnectionOptions } from './connection.js';
export { isConnectionFailure, isDefiniteRollback, isTransient } from './errors.js';
export { quoteIdentifier, type TableNames, tableNames, validateSchemaName } from './identifier.js';
export { type AppendListener, type AppendNotification, listenForAppends } from './listen.js';
export { MIGRATION_LOCK_CLASS, type MigrateOptions, type MigrateResult, migrate, schemaSql } from './migrate.js';
export type { PgNamedQuery, PgPool, PgPoolClient, PgPoolConfig, PgQueryResult } from './pg-client.js';
export { PostgresDurableStateStore, type PostgresDurableStateStoreOptions } from './postgres-durable-state-store.js';
export { type OrderedEvent, PostgresJournal, type PostgresJournalOptions, type PostgresListenOptions } from './postgres-journal.js';
export { PostgresOffsetStore, type PostgresProjectionTransaction } from './postgres-offset-store.js';
export { PostgresSnapshotStore, type PostgresSnapshotStoreOptions } from './postgres-snapshot-store.js';
export { JOURNAL_LOCK_CLASS } from './schema/journal/append-events.js';
export { MIGRATIONS, type Migration, SCHEMA_VERSION } from './schema/migrations/index.js';
export type { PostgresOptions, PostgresRetryOptions, PostgresRetryOptions as RetryOptions, PostgresStoreOptions } from './store-base.js';
