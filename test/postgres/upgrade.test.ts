/**
 * Upgrading a schema that holds data: version 9 moves durable state orderings into the
 * change table (change queries resume where they were), version 10 marks streams that have
 * no events left as emptied.
 */
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, PostgresDurableStateStore, PostgresJournal, SCHEMA_VERSION, tableNames } from '../../src/postgres/index.js';
import { connect, randomSchema } from './support.js';

/** Applies the migrations up to `version` as the release of that version would have. */
async function migrateTo(query: (text: string) => Promise<unknown>, schema: string, version: number): Promise<void> {
  const t = tableNames(schema);
  await query(`CREATE SCHEMA ${t.schema};
CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`);
  for (const migration of MIGRATIONS.filter((m) => m.version <= version)) {
    await query(migration.sql(t));
    await query(`INSERT INTO ${t.migrations} (version, name) VALUES (${migration.version}, '${migration.name}')`);
  }
}

describe('postgres schema upgrade with data', () => {
  it('keeps durable state changes and their orderings, and marks emptied streams', async () => {
    const pool = await connect(2);
    const schema = randomSchema('pg_hot_upgrade');
    const t = tableNames(schema);
    const query = (text: string) => pool.query(text);
    try {
      await migrateTo(query, schema, 8);
      // Rows as version 8 wrote them: the ordering in the state row; one from before version 6 has none.
      await pool.query(`INSERT INTO ${t.state} (persistence_id, revision, payload, tag, ordering) VALUES
        ('tagged-a', 3, NULL, 'group', 7), ('tagged-b', 1, NULL, 'group', 4), ('untagged', 2, NULL, NULL, 5), ('unordered', 1, NULL, 'group', NULL)`);
      await pool.query('SELECT setval($1::regclass, 7)', [t.stateOrdering]);
      // A stream whose events were all deleted, and one with an event (as raw rows: this release's journal writes version 10's columns).
      await pool.query(`INSERT INTO ${t.streams} (persistence_id, highest_sequence_nr) VALUES ('emptied', 2), ('kept', 1);
INSERT INTO ${t.journal} (persistence_id, sequence_nr, timestamp_ms, payload, write_id) VALUES ('kept', 1, 1, '\\x00', gen_random_uuid())`);

      expect(await migrate({ pool, schema })).toEqual({ applied: [9, 10, 11, 12], version: SCHEMA_VERSION });

      const store = new PostgresDurableStateStore({ pool, schema, notifyChannel: false });
      const journal = new PostgresJournal({ pool, schema });
      const changes = await store.readChangesByTag('group', 0, 10);
      expect(changes.map((c) => [c.persistenceId, c.revision, c.ordering])).toEqual([
        ['tagged-b', 1, 4],
        ['tagged-a', 3, 7],
      ]);
      expect(await store.readChangesByTag('group', 4, 10)).toEqual([changes[1]]);
      // The next change continues the sequence and moves the id to the end.
      await store.upsert('tagged-b', 2, { v: 2 }, 'group');
      await store.upsert('unordered', 2, { v: 2 }, 'group');
      expect((await store.readChangesByTag('group', 7, 10)).map((c) => [c.persistenceId, c.revision, c.ordering])).toEqual([
        ['tagged-b', 2, 8],
        ['unordered', 2, 9],
      ]);
      const { rows: columns } = await pool.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'memento_durable_state' AND column_name = 'ordering'`,
        [schema],
      );
      expect(columns).toEqual([]);

      const { rows: streams } = await pool.query<{ persistence_id: string; emptied: boolean }>(
        `SELECT persistence_id, emptied_at IS NOT NULL AS emptied FROM ${t.streams} ORDER BY persistence_id`,
      );
      expect(streams).toEqual([
        { persistence_id: 'emptied', emptied: true },
        { persistence_id: 'kept', emptied: false },
      ]);
      expect(await journal.purgeDeleted({ retentionMs: 0 })).toEqual(['emptied']);
      await Promise.all([store.close(), journal.close()]);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${t.schema} CASCADE`);
      await pool.end();
    }
  });
});
