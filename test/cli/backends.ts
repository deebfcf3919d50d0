/**
 * Store locations the CLI tests run against: SQLite files and PostgreSQL schemas, each
 * openable by the test (to seed, damage or check) and named by CLI arguments.
 */
import { join } from 'node:path';
import { DeleteTableCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, vi } from 'vitest';
import {
  Attribute,
  createTable,
  DynamoDbDurableStateStore,
  DynamoDbJournal,
  DynamoDbSnapshotStore,
  Kind,
  partitionKey,
} from '../../src/dynamodb/index.js';
import { migrate, tableNames } from '../../src/postgres/index.js';
import { connect, PG_URL, postgresStoreClasses, randomSchema } from '../postgres/support.js';
import { sqliteStoreClasses } from '../sqlite/helpers.js';
import { DYNALITE_CREDENTIALS, uniqueTableName, useDynamoTable } from '../support/dynalite.js';
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

/**
 * Tables on the run's shared dynalite, named by `dynamodb://` URLs; the CLI reads the
 * credentials from the environment, as it would from a user's. Call at file level (it
 * registers the hooks that start and stop the server's client).
 */
export function dynamoDbBackend(): Backend {
  const dynamo = useDynamoTable('cli');
  const tables: string[] = [];
  beforeAll(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', DYNALITE_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', DYNALITE_CREDENTIALS.secretAccessKey);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  return {
    name: 'DynamoDB',
    async location(label) {
      const tableName = uniqueTableName(label.replace(/[^A-Za-z0-9_.-]/g, '-'));
      tables.push(tableName);
      const { client, server } = dynamo;
      await createTable(client, { tableName });
      return {
        args: ['--store', `dynamodb://${tableName}?endpoint=${server.endpoint}&region=us-east-1`],
        async open() {
          return openStoreSet(
            { Journal: DynamoDbJournal, SnapshotStore: DynamoDbSnapshotStore, DurableStateStore: DynamoDbDurableStateStore },
            { client, tableName },
          );
        },
        async damageSnapshot(persistenceId, sequenceNr) {
          await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: {
                [Attribute.partitionKey]: { S: partitionKey(Kind.snapshot, persistenceId) },
                [Attribute.sortKey]: { N: String(sequenceNr) },
              },
              UpdateExpression: 'SET #p = :p',
              ExpressionAttributeNames: { '#p': Attribute.payload },
              ExpressionAttributeValues: { ':p': { B: Uint8Array.from([0x4d, 0x45, 0x01]) } },
            }),
          );
        },
      };
    },
    async cleanup() {
      for (const table of tables) await dynamo.client.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
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
