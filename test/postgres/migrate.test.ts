/**
 * Migrations: idempotent, concurrent-safe, versioned, and the documented SQL.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { MIGRATIONS, migrate, PostgresJournal, SCHEMA_VERSION, schemaSql } from '../../src/postgres/index.js';
import { connect, randomSchema } from './support.js';

describe('postgres migrate', () => {
  it('creates the tables once, even when several processes migrate at once', async () => {
    const pools = await Promise.all([connect(2), connect(2), connect(2)]);
    const schema = randomSchema('migrate');
    try {
      const results = await Promise.all(pools.map((pool) => migrate({ pool, schema })));
      const applied = results.map((result) => result.applied);
      // Exactly one caller applied everything; the others found it done.
      expect(applied.filter((list) => list.length === SCHEMA_VERSION)).toHaveLength(1);
      expect(applied.filter((list) => list.length === 0)).toHaveLength(2);
      const { rows } = await pools[0]!.query(`SELECT version, name FROM "${schema}".memento_migrations ORDER BY version`);
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      expect(await migrate({ pool: pools[1]!, schema })).toEqual({ applied: [], version: SCHEMA_VERSION });
    } finally {
      await pools[0]!.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('runs from a store, with a connection string, and the documented SQL builds the same schema', async () => {
    const pool = await connect(2);
    const [fromStore, fromSql] = [randomSchema('store'), randomSchema('sql')];
    try {
      const journal = new PostgresJournal({
        connectionString: process.env.MEMENTO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        schema: fromStore,
      });
      expect((await journal.migrate()).applied).toEqual(MIGRATIONS.map((m) => m.version));
      await journal.close();
      await pool.query(schemaSql(fromSql));
      await pool.query(schemaSql(fromSql)); // idempotent too
      const columns = async (schema: string) =>
        (
          await pool.query(
            `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`,
            [schema],
          )
        ).rows;
      expect(await columns(fromSql)).toEqual(await columns(fromStore));
      // Re-running the SQL leaves the same indexes and table options (no index rebuilt on the wrong table).
      const indexes = async (schema: string) =>
        (
          await pool.query(
            `SELECT tablename, indexname, replace(indexdef, $1, '') AS definition FROM pg_indexes WHERE schemaname = $2 ORDER BY indexname`,
            [`${schema}.`, schema],
          )
        ).rows;
      expect(await indexes(fromSql)).toEqual(await indexes(fromStore));
      const options = async (schema: string) =>
        (await pool.query(`SELECT relname, reloptions FROM pg_class WHERE relnamespace = $1::regnamespace ORDER BY relname`, [schema]))
          .rows;
      expect(await options(fromSql)).toEqual(await options(fromStore));
      expect((await migrate({ pool, schema: fromSql })).applied).toEqual([]);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${fromStore}" CASCADE; DROP SCHEMA IF EXISTS "${fromSql}" CASCADE`);
      await pool.end();
    }
  });

  it('refuses a schema written by a newer version', async () => {
    const pool = await connect(2);
    const schema = randomSchema('newer');
    try {
      await migrate({ pool, schema });
      await pool.query(`INSERT INTO "${schema}".memento_migrations (version, name) VALUES ($1, 'from the future')`, [SCHEMA_VERSION + 1]);
      await expect(migrate({ pool, schema })).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.schemaVersion));
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });

  it('rejects schema names that are not plain identifiers, and says when tables are missing', async () => {
    const pool = await connect(2);
    try {
      for (const bad of ['', 'a"b', 'x; DROP TABLE y', '1abc', 'a'.repeat(64), 42]) {
        expect(() => new PostgresJournal({ pool, schema: bad as string })).toThrow(
          expect.objectContaining({ code: ErrorCodes.invalidArgument }),
        );
      }
      const journal = new PostgresJournal({ pool, schema: randomSchema('missing') });
      await expect(journal.highestSequenceNr('x')).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.schemaVersion));
      await journal.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]); // the injected pool is not ended by close()
    } finally {
      await pool.end();
    }
  });

  it('shows the current schema SQL in docs/postgres.md', () => {
    const docs = readFileSync(new URL('../../docs/postgres.md', import.meta.url), 'utf8');
    expect(docs).toContain(schemaSql('app'));
  });
});
