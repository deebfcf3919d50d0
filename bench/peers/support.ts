/** Helpers shared by the PostgreSQL peers: a database of their own per peer, and versions. */
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** `url` with its database replaced by `database`. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

const adminQuery = async (serverUrl: string, run: (client: pg.Client) => Promise<void>): Promise<void> => {
  // The maintenance database `postgres` (CREATE/DROP DATABASE cannot run in the target database).
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
};

/** Creates `database` on the server of `serverUrl` if it does not exist. */
export const createDatabaseIfMissing = (serverUrl: string, database: string): Promise<void> =>
  adminQuery(serverUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (error) {
      // 42P04 duplicate_database (a concurrent setup won the race); 23505 same race on pg_database's index.
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  });

/**
 * Drops `database`. Waits up to 2 s for the peer's sessions to go (a pg-pool's end() resolves
 * before its sockets have closed, and a forced drop would then make those clients emit
 * an unhandled 'error'), then drops it, ending any session left (PostgreSQL >= 13).
 */
export const dropDatabase = (serverUrl: string, database: string): Promise<void> =>
  adminQuery(serverUrl, async (client) => {
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      const sessions = await client.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      if (!sessions.rowCount) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  });

/** Version of an installed package, read from `<nodeModules>/<name>/package.json`. */
export const packageVersion = (nodeModules: URL, name: string): string => {
  try {
    const json = JSON.parse(readFileSync(new URL(`${name}/package.json`, nodeModules), 'utf8')) as { version?: string };
    return json.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
};

/** bench/node_modules/ */
export const benchNodeModules = new URL('../node_modules/', import.meta.url);
