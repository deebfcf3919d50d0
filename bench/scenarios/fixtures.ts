/**
 * Histories shared by the replay, recovery, memory and peer-load scenarios: one SQLite file
 * and one PostgreSQL schema holding `counter|h-<n>` for every length needed, written
 * straight to the journal in big batches (fast), as the issue allows.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { check, historyBatch, loadPostgres, loadSqlite, pgUrl } from './common.js';

export const historyId = (events: number): string => `counter|h-${events}`;

const BATCH = 5000;

export interface Fixtures {
  readonly sqliteFile: string;
  readonly pgSchema: string;
  readonly pool: pg.Pool;
  /** Lengths present in PostgreSQL. */
  readonly pgLengths: readonly number[];
  close(): Promise<void>;
}

/** Writes every history length into `dir`/fixtures.db (all lengths) and a fresh PostgreSQL schema (`pgLengths`). */
export async function buildFixtures(
  dir: string,
  lengths: readonly number[],
  pgLengths: readonly number[],
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

  const pool = new pg.Pool({ connectionString: pgUrl(), max: 10 });
  const pgSchema = `memento_bench_fx_${randomBytes(4).toString('hex')}`;
  await postgres.migrate({ pool, schema: pgSchema });
  const pgJournal = new postgres.PostgresJournal({ pool, schema: pgSchema });
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
  return {
    sqliteFile,
    pgSchema,
    pool,
    pgLengths: [...new Set(pgLengths)],
    async close() {
      await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`).catch(() => {});
      await pool.end();
    },
  };
}
