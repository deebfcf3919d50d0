/**
 * Durable state updates are HOT (heap-only tuple) updates: the state row has no index on a
 * column an ordinary change writes, so PostgreSQL updates it in place instead of adding an
 * entry to every index per change (docs/postgres.md, "Growth and cleanup").
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, PostgresDurableStateStore } from '../../src/postgres/index.js';
import { connect, randomSchema } from './support.js';

/** Changes of one id: the first inserts, the others update. */
const CHANGES = 200;

let pool: pg.Pool;
const schema = randomSchema('pg_hot');

beforeAll(async () => {
  // One connection: the store's writes and the stats flush below run on the same backend.
  pool = await connect(1);
  await migrate({ pool, schema });
});

afterAll(async () => {
  if (!pool) return;
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await pool.end();
});

interface TableStats {
  readonly updates: number;
  readonly hot: number;
}

/** Update counters of `table`, after flushing this backend's pending statistics (no waiting for the stats interval). */
async function tableStats(table: string): Promise<TableStats> {
  // Pending counters are flushed when the backend next goes idle, before it answers.
  await pool.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await pool.query<{ updates: string; hot: string }>(
    'SELECT n_tup_upd AS updates, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relid = $1::regclass',
    [`"${schema}".${table}`],
  );
  const row = rows[0];
  if (!row) throw new Error(`pg_stat_user_tables has no row for "${schema}".${table}`);
  return { updates: Number(row.updates), hot: Number(row.hot) };
}

describe('postgres durable state HOT updates', () => {
  it('updates the state row in place (HOT) on every ordinary change', async () => {
    const store = new PostgresDurableStateStore({ pool, schema, notifyChannel: false });
    try {
      const pid = `hot-${randomUUID()}`;
      for (let revision = 1; revision <= CHANGES; revision++) await store.upsert(pid, revision, { revision }, 'hot');
      expect(await store.get(pid)).toEqual({ value: { revision: CHANGES }, revision: CHANGES });
      const [change] = await store.readChangesByTag('hot', 0, 10);
      expect(change?.revision).toBe(CHANGES);

      const stats = await tableStats('memento_durable_state');
      expect(stats.updates).toBe(CHANGES - 1);
      // A version that does not fit its page is not HOT. Pruning frees the page of dead
      // versions, but another session's open snapshot (other tests share the server) can
      // stop it; even then a page holds more than 40 versions of this small row, so at
      // most one update in 40 moves to another page.
      expect(stats.hot, `${stats.hot} of ${stats.updates} updates were HOT`).toBeGreaterThanOrEqual(
        stats.updates - Math.ceil(stats.updates / 40),
      );
    } finally {
      await store.close();
    }
  });
});
