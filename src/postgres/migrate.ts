/**
 * Creates or upgrades the Memento tables of one schema, idempotently and safely from
 * several processes at once: a transaction-scoped advisory lock serializes migrators, and
 * each migration is recorded in `memento_migrations` in the same transaction.
 * @module
 */
import { SchemaVersionError } from '../core/errors.js';
import { type PostgresConnectionOptions, resolvePool } from './connection.js';
import { NAME, storeFailure } from './errors.js';
import { type TableNames, tableNames } from './identifier.js';
import type { PgPool } from './pg-client.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema/migrations/index.js';

/** Advisory lock class of migrations ("MEMM"); the key is a hash of the schema name. */
export const MIGRATION_LOCK_CLASS = 0x4d454d4d;

/** Options of {@link migrate}. */
export type MigrateOptions = PostgresConnectionOptions & {
  /** Schema holding the tables; created when missing. @default 'public' */
  readonly schema?: string;
};

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** The schema version after the call. */
  readonly version: number;
}

/** The SQL of the whole schema, for teams that apply schema changes themselves. */
export function schemaSql(schema = 'public'): string {
  const t = tableNames(schema);
  const steps = MIGRATIONS.map(
    (m) =>
      `-- ${m.version}: ${m.name}${m.sql(t)}\nINSERT INTO ${t.migrations} (version, name) VALUES (${m.version}, '${m.name}') ON CONFLICT DO NOTHING;`,
  );
  return [`CREATE SCHEMA IF NOT EXISTS ${t.schema};`, migrationsTableSql(t), ...steps].join('\n');
}

const migrationsTableSql = (t: TableNames) =>
  `CREATE TABLE IF NOT EXISTS ${t.migrations} (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;

/** Applies the missing migrations to `schema` in one transaction. */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const schema = options.schema ?? 'public';
  const t = tableNames(schema);
  const handle = resolvePool(options);
  try {
    return await migratePool(await handle.pool(), schema, t);
  } finally {
    await handle.release();
  }
}

/** {@link migrate} on a pool the caller keeps. */
export async function migratePool(pool: PgPool, schema: string, t: TableNames = tableNames(schema)): Promise<MigrateResult> {
  let client: Awaited<ReturnType<PgPool['connect']>>;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storeFailure(error, 'migrate');
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    // Two processes running CREATE ... IF NOT EXISTS at once can still collide in the
    // catalog; the lock makes the second wait and then find everything in place.
    await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2)::int)', [MIGRATION_LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    await client.query(migrationsTableSql(t));
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${t.migrations} ORDER BY version`);
    const done = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...done);
    if (newest > SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `migrate: schema ${JSON.stringify(schema)} is at version ${newest}, written by a newer Memento; expected at most ${SCHEMA_VERSION}`,
        { expected: SCHEMA_VERSION, actual: newest, source: NAME },
      );
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql(t));
      await client.query(`INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { applied, version: SCHEMA_VERSION };
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw storeFailure(error, 'migrate');
  } finally {
    client.release(broken);
  }
}
