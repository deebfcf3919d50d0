/**
 * Opens the stores the settings name, and proves they answer before a command starts, so
 * a store that cannot be opened is one line naming its URL and the cause (exit code 2).
 * Plugins are imported only when their URL is used: each driver is an optional peer.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { ObservedSerialization } from '../inspect/observed-serialization.js';
import type { DurableStateStore } from '../spi/durable-state-store.js';
import type { Journal } from '../spi/journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import type { Settings } from './config.js';
import { CliError, ExitCode, oneLine } from './errors.js';
import { type JournalLocation, parseJournalUrl, parseSnapshotUrl, redact, type SnapshotLocation } from './store-url.js';

/** `read`: must exist, opened read-only where the store can; `write`: must exist; `create`: created and migrated when missing. */
export type OpenMode = 'read' | 'write' | 'create';

/** The opened stores. */
export interface OpenedStores {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly durableStateStore: DurableStateStore;
  /** Records each snapshot's stored size and serializer as it is read. */
  readonly serialization: ObservedSerialization;
  /** The URLs, for messages and summaries (passwords hidden). */
  readonly storeUrl: string;
  readonly snapshotsUrl: string;
  /** Runs the journal store's schema migrations; returns the versions applied. */
  migrate(): Promise<string>;
  close(): Promise<void>;
}

/** The one-line failure for a store that cannot be opened. */
export function unavailable(url: string, cause: unknown): CliError {
  return new CliError(`cannot open ${redact(url)}: ${typeof cause === 'string' ? cause : oneLine(cause)}`, ExitCode.storeUnavailable);
}

/**
 * Runs `load` (the imports of a store that needs an optional dependency); when they fail,
 * the failure says which dependency `scheme` URLs need and how to install it.
 */
export async function loadOptional<T>(url: string, scheme: string, dependency: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw unavailable(url, `${scheme} needs the optional dependency ${dependency} (npm install ${dependency}): ${oneLine(error)}`);
  }
}

/** Settings → locations, checked. */
export function locations(
  settings: Settings,
  cwd: string,
): { journal: JournalLocation; snapshots: SnapshotLocation | JournalLocation | undefined } {
  if (!settings.store) {
    throw new CliError(
      'no store given: pass --store sqlite:./data.db (or postgres://user@host:5432/db, dynamodb://table), set MEMENTO_STORE, or write memento.config.json',
    );
  }
  return {
    journal: parseJournalUrl(settings.store, cwd),
    snapshots: settings.snapshots ? parseSnapshotUrl(settings.snapshots, cwd) : undefined,
  };
}

const hasCode = (error: unknown, code: string): boolean => {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: unknown }).code === code) return true;
  }
  return false;
};

interface JournalStores {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly durableStateStore: DurableStateStore;
  migrate(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The stores' own warnings (a skipped unreadable snapshot, ...) are off: every command reports
 * what it found in its own one-line form, and the stores' multi-line JSON warnings would repeat it.
 */
const QUIET = false as const;

async function openSqlite(
  location: JournalLocation & { kind: 'sqlite' },
  mode: OpenMode,
  serialization: ObservedSerialization,
): Promise<JournalStores> {
  if (mode !== 'create' && !existsSync(location.file)) throw unavailable(location.url, `no such file ${location.file}`);
  const sqlite = await import('../sqlite/index.js');
  const options = { serialization, readonly: mode === 'read', logger: QUIET };
  const journal = new sqlite.SqliteJournal(location.file, options);
  const snapshotStore = new sqlite.SqliteSnapshotStore(location.file, options);
  const durableStateStore = new sqlite.SqliteDurableStateStore(location.file, options);
  const close = async () => {
    await Promise.allSettled([snapshotStore.close(), durableStateStore.close()]);
    await journal.close();
  };
  try {
    // Opens the file and brings it to the current schema (not in read mode).
    await journal.ready();
  } catch (error) {
    await close();
    throw unavailable(location.url, error);
  }
  return {
    journal,
    snapshotStore,
    durableStateStore,
    migrate: async () => `SQLite schema version ${sqlite.SCHEMA_VERSION} (${location.file})`,
    close,
  };
}

async function openPostgres(
  location: JournalLocation & { kind: 'postgres' },
  schema: string | undefined,
  mode: OpenMode,
  serialization: ObservedSerialization,
): Promise<JournalStores> {
  const postgres = await import('../postgres/index.js');
  const { createPool } = await import('../postgres/connection.js');
  let pool: Awaited<ReturnType<typeof createPool>>;
  try {
    pool = await createPool(location.connectionString, { max: 4, connectionTimeoutMillis: 5_000 });
  } catch (error) {
    throw unavailable(location.url, error);
  }
  const options = { pool, serialization, logger: QUIET, ...(schema === undefined ? {} : { schema }) };
  let journal: InstanceType<typeof postgres.PostgresJournal>;
  try {
    journal = new postgres.PostgresJournal(options);
  } catch (error) {
    await pool.end();
    throw new CliError(oneLine(error));
  }
  const snapshotStore = new postgres.PostgresSnapshotStore(options);
  const durableStateStore = new postgres.PostgresDurableStateStore(options);
  const close = async () => {
    await Promise.allSettled([journal.close(), snapshotStore.close(), durableStateStore.close()]);
    await pool.end();
  };
  // Opening in `create` mode migrates; `memento migrate` then reports that run, not a second no-op one.
  let migration: Promise<string> | undefined;
  const migrate = () => {
    migration ??= postgres
      .migrate({ pool, ...(schema === undefined ? {} : { schema }) })
      .then(
        (result) =>
          `PostgreSQL schema ${JSON.stringify(schema ?? 'public')} at version ${postgres.SCHEMA_VERSION}${describeMigration(result)}`,
      );
    return migration;
  };
  try {
    await pool.query('SELECT 1');
    if (mode === 'create') await migrate();
    // Reads the journal's tables: a schema without them fails here, not in the middle of a command.
    await journal.highestSequenceNr('memento-cli-probe');
  } catch (error) {
    await close();
    if (hasCode(error, '42P01')) {
      throw unavailable(location.url, `schema ${JSON.stringify(schema ?? 'public')} has no Memento tables (run memento migrate first)`);
    }
    throw unavailable(location.url, error);
  }
  return { journal, snapshotStore, durableStateStore, migrate, close };
}

async function openDynamoDb(
  location: JournalLocation & { kind: 'dynamodb' },
  mode: OpenMode,
  serialization: ObservedSerialization,
  env: NodeJS.ProcessEnv,
): Promise<JournalStores> {
  const { sdk, dynamodb } = await loadOptional(location.url, 'dynamodb://', '@aws-sdk/client-dynamodb', async () => ({
    sdk: await import('@aws-sdk/client-dynamodb'),
    dynamodb: await import('../dynamodb/index.js'),
  }));
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  const client = new sdk.DynamoDBClient({
    region: location.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts: 2,
    // The CLI's environment first; without keys there, the SDK's own chain (profiles, roles).
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
  });
  const tableName = location.table;
  let hasIdIndex = false;
  try {
    if (mode === 'create') await dynamodb.createTable(client, { tableName });
    const described = await client.send(new sdk.DescribeTableCommand({ TableName: tableName }));
    hasIdIndex = (described.Table?.GlobalSecondaryIndexes ?? []).some((index) => index.IndexName === dynamodb.ID_INDEX_NAME);
  } catch (error) {
    client.destroy();
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') {
      throw unavailable(location.url, `table ${JSON.stringify(tableName)} does not exist (memento migrate creates it)`);
    }
    throw unavailable(location.url, error);
  }
  const options = { client, tableName, serialization, logger: QUIET };
  const journal = new dynamodb.DynamoDbJournal(options);
  const snapshotStore = new dynamodb.DynamoDbSnapshotStore(options);
  const durableStateStore = new dynamodb.DynamoDbDurableStateStore(options);
  const migrate = async () => {
    const { registered } = await dynamodb.backfillIdIndex(client, { tableName });
    const backfill = `${registered} item${registered === 1 ? '' : 's'} registered in the id index`;
    if (hasIdIndex) return `DynamoDB table ${JSON.stringify(tableName)} with its id index (${backfill})`;
    return `DynamoDB table ${JSON.stringify(tableName)} (${backfill}); it has no id index ${dynamodb.ID_INDEX_NAME} yet, so ids cannot be listed: add it with UpdateTable (docs/dynamodb.md#listing-ids)`;
  };
  return {
    journal,
    snapshotStore,
    durableStateStore,
    migrate,
    async close() {
      await Promise.allSettled([journal.close(), snapshotStore.close(), durableStateStore.close()]);
      client.destroy();
    },
  };
}

function describeMigration(result: unknown): string {
  const applied = (result as { applied?: unknown } | null)?.applied;
  if (Array.isArray(applied))
    return applied.length === 0 ? ' (already up to date)' : ` (applied ${applied.length} migration${applied.length === 1 ? '' : 's'})`;
  return '';
}

async function openSnapshotStore(
  location: SnapshotLocation,
  mode: OpenMode,
  serialization: ObservedSerialization,
  env: NodeJS.ProcessEnv,
): Promise<{ store: SnapshotStore; close(): Promise<void> }> {
  if (location.kind === 'file') {
    if (mode !== 'create') {
      const exists = existsSync(location.directory);
      if (!exists) throw unavailable(location.url, `no such directory ${location.directory}`);
      if (!statSync(location.directory).isDirectory()) throw unavailable(location.url, `${location.directory} is not a directory`);
    }
    const { FileSnapshotStore } = await import('../fs/index.js');
    const store = new FileSnapshotStore({ directory: location.directory, serialization, logger: QUIET });
    return { store, close: () => store.close() };
  }
  const { sdk, s3 } = await loadOptional(location.url, 's3://', '@aws-sdk/client-s3', async () => ({
    sdk: await import('@aws-sdk/client-s3'),
    s3: await import('../s3/index.js'),
  }));
  const client: S3Client = new sdk.S3Client({
    region: location.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: location.forcePathStyle,
    maxAttempts: 2,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
  });
  try {
    if (!(await s3.bucketExists(client, location.bucket))) {
      if (mode !== 'create') throw `bucket ${JSON.stringify(location.bucket)} does not exist`;
      await s3.createBucketIfMissing(client, location.bucket);
    }
  } catch (error) {
    client.destroy();
    throw unavailable(location.url, error);
  }
  // An inspection tool must see the bucket as it is: the listing leads, so an object damaged
  // or replaced behind the store's back shows up even while the id's head still copies it.
  const store = new s3.S3SnapshotStore({
    bucket: location.bucket,
    prefix: location.prefix,
    client,
    serialization,
    logger: QUIET,
    headAsIndex: false,
  });
  return {
    store,
    close: async () => {
      await store.close();
      client.destroy();
    },
  };
}

/** Opens the journal store, and the snapshot store when it is a separate one. */
export async function openStores(settings: Settings, mode: OpenMode, cwd: string, env: NodeJS.ProcessEnv): Promise<OpenedStores> {
  const where = locations(settings, cwd);
  let serialization: ObservedSerialization;
  try {
    serialization = new ObservedSerialization(settings.serialization ?? {});
  } catch (error) {
    throw new CliError(`serialization settings${settings.configFile ? ` in ${settings.configFile}` : ''}: ${oneLine(error)}`);
  }
  const opened =
    where.journal.kind === 'sqlite'
      ? await openSqlite(where.journal, mode, serialization)
      : where.journal.kind === 'postgres'
        ? await openPostgres(where.journal, settings.schema, mode, serialization)
        : await openDynamoDb(where.journal, mode, serialization, env);
  let snapshots: { store: SnapshotStore; close(): Promise<void> } | undefined;
  try {
    if (
      where.snapshots &&
      where.snapshots.kind !== 'sqlite' &&
      where.snapshots.kind !== 'postgres' &&
      where.snapshots.kind !== 'dynamodb'
    ) {
      snapshots = await openSnapshotStore(where.snapshots, mode, serialization, env);
    } else if (where.snapshots && where.snapshots.url !== where.journal.url) {
      throw new CliError(
        `--snapshots ${where.snapshots.url}: a separate SQLite, PostgreSQL or DynamoDB snapshot store is not supported; its snapshots live with --store`,
      );
    }
  } catch (error) {
    await opened.close();
    throw error;
  }
  return {
    journal: opened.journal,
    snapshotStore: snapshots?.store ?? opened.snapshotStore,
    durableStateStore: opened.durableStateStore,
    serialization,
    storeUrl: redact(where.journal.url),
    snapshotsUrl: redact(where.snapshots?.url ?? where.journal.url),
    migrate: opened.migrate,
    async close() {
      await snapshots?.close();
      await opened.close();
    },
  };
}
