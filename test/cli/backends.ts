/**
 * Store locations the CLI tests run against: SQLite files and PostgreSQL schemas, each
 * openable by the test (to seed, damage or check) and named by CLI arguments.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { migrate, tableNames } from '../../src/postgres/index.js';
import { connect, PG_URL, postgresStoreClasses, randomSchema } from '../postgres/support.js';
import { sqliteStoreClasses } from '../sqlite/helpers.js';
import { openStoreSet, type StoreSet } from '../support/store-set.js';
import { tempDir } from './harness.js';

/** Stores opened by a test; close before running the CLI in-process on SQLite (one connection per file and mode). */
export type TestStores = StoreSet;

/** One store location. */
export interface Location {
  /** `--store …` (and `--schema …`). */
  readonly args: readonly string[];
  open(): Promise<TestStores>;
  /** Overwrites a stored snapshot's bytes with garbage. */
  damageSnapshot(persistenceId: string, sequenceNr: number): Promise<void>;
}

/** Makes locations of one backend. */
export interface Backend {
  readonly name: string;
  location(label: string): Promise<Location>;
  /** Drops what the backend created. */
  cleanup(): Promise<void>;
}

/** SQLite files in temp directories. */
export function sqliteBackend(): Backend {
  return {
    name: 'SQLite',
    async location(label) {
      const file = join(tempDir(label), 'store.db');
      return {
        args: ['--store', `sqlite:${file}`],
        async open() {
          return openStoreSet(sqliteStoreClasses, file);
        },
        async damageSnapshot(persistenceId, sequenceNr) {
          const db = new Database(file);
          db.prepare("UPDATE snapshots SET payload = X'4d4501' WHERE persistence_id = ? AND sequence_nr = ?").run(
            persistenceId,
            sequenceNr,
          );
          db.close();
        },
      };
    },
    cleanup: async () => {},
  };
}

/** Random schemas on the shared PostgreSQL server, dropped at cleanup. */
export function postgresBackend(): Backend {
  let pool: pg.Pool | undefined;
  const schemas: string[] = [];
  const poolOf = async () => {
    pool ??= await connect(4);
    return pool;
  };
  return {
    name: 'PostgreSQL',
    async location(label) {
      const shared = await poolOf();
      const schema = randomSchema(`cli_${label.replace(/[^a-z0-9_]/g, '_')}`);
      schemas.push(schema);
      await migrate({ pool: shared, schema });
      return {
        args: ['--store', PG_URL, '--schema', schema],
        async open() {
          return openStoreSet(postgresStoreClasses, { pool: shared, schema });
        },
        async damageSnapshot(persistenceId, sequenceNr) {
          await shared.query(
            `UPDATE ${tableNames(schema).snapshots} SET payload = '\\x4d4501'::bytea WHERE persistence_id = $1 AND sequence_nr = $2`,
            [persistenceId, sequenceNr],
          );
        },
      };
    },
    async cleanup() {
      if (!pool) return;
      for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await pool.end();
    },
  };
}

/** Runs `work` with the location's stores open, then closes them. */
export async function withStores<T>(location: Location, work: (stores: TestStores) => Promise<T>): Promise<T> {
  const stores = await location.open();
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}
