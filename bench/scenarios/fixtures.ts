/**
 * Histories shared by the replay, recovery, memory and peer-load scenarios: one SQLite file
 * and one PostgreSQL schema holding `counter|h-<n>` for every length needed, written
 * straight to the journal in big batches (fast), as the issue allows; and, for the raw
 * replay references, the same histories as an application would store them (plain JSON
 * payloads, no envelope) in `raw_journal` tables next to the journal's.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createRawJournal } from '../raw/postgres.js';
import { openRaw } from '../raw/sqlite.js';
import { benchEvent, check, historyBatch, loadPostgres, loadSqlite, POSTGRES_STORE_OPTIONS, pg, pgUrl } from './common.js';

export const historyId = (events: number): string => `counter|h-${events}`;

const BATCH = 5000;

export interface Fixtures {
  readonly sqliteFile: string;
  readonly pgSchema: string;
  readonly pool: InstanceType<typeof pg.Pool>;
  /** Lengths present in PostgreSQL. */
  readonly pgLengths: readonly number[];
  /** `raw_journal` in the SQLite file (a copy of the journal table's definition). */
  readonly sqliteRawTable: string;
  /** `raw_journal` in the PostgreSQL schema. */
  readonly pgRawTable: string;
  close(): Promise<void>;
}

/**
 * Writes every history length into `dir`/fixtures.db (all lengths) and a fresh PostgreSQL
 * schema (`pgLengths`), and the `rawLengths` as plain JSON rows into both raw tables.
 */
export async function buildFixtures(
  dir: string,
  lengths: readonly number[],
  pgLengths: readonly number[],
  rawLengths: readonly number[],
  log: (line: string) => void,
): Promise<Fixtures> {
  const sqlite = await loadSqlite();
  const postgres = await loadPostgres();
  const sqliteFile = join(dir, 'fixtures.db');
  const journal = new sqlite.SqliteJournal(sqliteFile, { synchronous: 'NORMAL' });
  const timestamp = Date.now();
  for (const length of [...new Set(lengths)]) {
    const started = performance.now();
    for (let from = 1; from <= length; from += BATCH) {
      check(
        await journal.write([
          {
            persistenceId: historyId(length),
            events: historyBatch(historyId(length), from, Math.min(BATCH, length - from + 1), timestamp),
          },
        ]),
      );
    }
    log(`fixtures: sqlite history of ${length} events written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await journal.close();
  const raw = await openRaw(sqlite, sqliteFile, 'NORMAL');
  raw.exec(`CREATE TABLE IF NOT EXISTS raw_journal (
  ordering INTEGER PRIMARY KEY AUTOINCREMENT, persistence_id TEXT NOT NULL, sequence_nr INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  manifest TEXT, writer_id TEXT, tags TEXT, payload BLOB NOT NULL, metadata BLOB, UNIQUE (persistence_id, sequence_nr))`);
  const insertRaw = raw.prepare('INSERT INTO raw_journal (persistence_id, sequence_nr, timestamp, payload) VALUES (?, ?, ?, ?)');
  for (const length of [...new Set(rawLengths)]) {
    raw.transaction(() => {
      for (let nr = 1; nr <= length; nr++) insertRaw.run(historyId(length), nr, timestamp, Buffer.from(JSON.stringify(benchEvent(nr))));
    })();
  }
  raw.close();

  const pool = new pg.Pool({ connectionString: pgUrl(), max: 10 });
  const pgSchema = `memento_bench_fx_${randomBytes(4).toString('hex')}`;
  await postgres.migrate({ pool, schema: pgSchema });
  const pgJournal = new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool, schema: pgSchema });
  for (const length of [...new Set(pgLengths)]) {
    const started = performance.now();
    for (let from = 1; from <= length; from += BATCH) {
      check(
        await pgJournal.write([
          {
            persistenceId: historyId(length),
            events: historyBatch(historyId(length), from, Math.min(BATCH, length - from + 1), timestamp),
          },
        ]),
      );
    }
    log(`fixtures: postgres history of ${length} events written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await pgJournal.close();
  const pgRawTable = await createRawJournal(pool, pgSchema);
  for (const length of [...new Set(rawLengths)].filter((n) => pgLengths.includes(n))) {
    for (let from = 1; from <= length; from += BATCH) {
      const count = Math.min(BATCH, length - from + 1);
      const numbers = Array.from({ length: count }, (_, k) => from + k);
      await pool.query(
        `INSERT INTO ${pgRawTable} (persistence_id, sequence_nr, timestamp_ms, payload) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bytea[])`,
        [historyId(length), numbers, numbers.map(() => timestamp), numbers.map((nr) => Buffer.from(JSON.stringify(benchEvent(nr))))],
      );
    }
  }
  // As pgbench does after loading: vacuumed, analyzed and checkpointed, the tables are in the
  // state autovacuum leaves a long-lived table in, and no autovacuum or checkpoint of the load
  // runs while the scenarios time their reads of them.
  await pool.query(`VACUUM (ANALYZE) ${pgRawTable}`);
  await pool.query(`VACUUM (ANALYZE) "${pgSchema}".memento_journal`);
  await pool.query('CHECKPOINT');
  return {
    sqliteFile,
    pgSchema,
    pool,
    pgLengths: [...new Set(pgLengths)],
    sqliteRawTable: 'raw_journal',
    pgRawTable,
    async close() {
      await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`).catch(() => {});
      await pool.end();
    },
  };
}
