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

/** The newest version recorded in `schema`, or 0 when it has no migrations table yet. */
async function recordedVersion(query: PgPool['query'], t: TableNames): Promise<number> {
  // to_regclass answers "not there" instead of failing, and needs no CREATE privilege.
  const { rows } = await query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [t.migrations]);
  if (!rows[0]?.present) return 0;
  const found = await query<{ version: number | null }>(`SELECT max(version) AS version FROM ${t.migrations}`);
  return found.rows[0]?.version ?? 0;
}

const tooNew = (schema: string, version: number) =>
  new SchemaVersionError(
    `migrate: schema ${JSON.stringify(schema)} is at version ${version}, written by a newer Memento; expected at most ${SCHEMA_VERSION}`,
    { expected: SCHEMA_VERSION, actual: version, source: NAME },
  );

/**
 * {@link migrate} on a pool the caller keeps. An up-to-date schema is recognised by reading
 * its version first, so an application role with only the grants of docs/postgres.md
 * ("Least-privilege roles") can call it at start-up; only a schema that needs a change takes
 * the lock and needs CREATE.
 */
export async function migratePool(pool: PgPool, schema: string, t: TableNames = tableNames(schema)): Promise<MigrateResult> {
  let current: number;
  try {
    current = await recordedVersion((text, values) => pool.query(text, values), t);
  } catch (error) {
    throw storeFailure(error, 'migrate');
  }
  if (current > SCHEMA_VERSION) throw tooNew(schema, current);
  if (current === SCHEMA_VERSION) return { applied: [], version: SCHEMA_VERSION };
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
    if (newest > SCHEMA_VERSION) throw tooNew(schema, newest);
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
