/**
 * A real DynamoDB-API server (dynalite, on LevelDB in memory) for tests and benchmarks, run
 * as a child process on a free loopback port, so its work does not share the test's event
 * loop and other processes (the multi-process test's workers) can reach it.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { DeleteTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTable, type TableOptions } from '../../src/dynamodb/index.js';

/** dynalite accepts any credentials; these are fixed test values, not secrets. */
export const DYNALITE_CREDENTIALS = { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' } as const;

/** How to start the server by hand, printed when it cannot be started. */
export const HOW_TO_START =
  'start it by hand with: node node_modules/dynalite/cli.js --port 4567 --createTableMs 0 ' +
  '(dynalite 4.0.0 is a devDependency; run npm install if it is missing)';

/** A running dynalite child process. */
export interface DynaliteServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Client config for this server: endpoint, region, fixed credentials. */
  clientConfig(overrides?: DynamoDBClientConfig): DynamoDBClientConfig;
  /** A new client for this server (the caller destroys it). */
  client(overrides?: DynamoDBClientConfig): DynamoDBClient;
  /** Kills the server (its data lives in memory and goes with it); the run's shared one is left to the global setup. */
  stop(): Promise<void>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The port of the dynalite every test file of the run shares (test/support/shared-servers.ts). */
    sharedDynalitePort?: number;
  }
}

// Runs inside the child: plain ESM JavaScript, dynalite loaded by absolute path. Tables are
// ACTIVE at once (dynalite's default keeps them CREATING for half a second).
const CHILD_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.env.DYNALITE_PATH);
const dynalite = require(process.env.DYNALITE_PATH);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent holds our stdin: when it dies (even by SIGKILL) the pipe closes and we follow.
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
`;

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(
        new Error(`the DynamoDB test server (dynalite) could not be started: ${why}${errors ? `\n${errors.trim()}` : ''}\n${HOW_TO_START}`),
      );
    };
    const timer = setTimeout(() => fail(`no port reported within ${timeoutMs} ms`), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`the process exited (code ${code}, signal ${signal})`));
  });
}

/** Starts dynalite in a child process; rejects with instructions when it cannot. */
export async function startDynalite(): Promise<DynaliteServer> {
  let dynalitePath: string;
  try {
    dynalitePath = createRequire(import.meta.url).resolve('dynalite');
  } catch (cause) {
    throw new Error(`the DynamoDB test server (dynalite) is not installed: ${String(cause)}\n${HOW_TO_START}`);
  }
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT], {
    env: { ...process.env, DYNALITE_PATH: dynalitePath },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await waitForPort(child, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  child.removeAllListeners('exit');
  return serverAt(port, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });
}

/** The server on `port`, stopped by `stop`. */
function serverAt(port: number, stop: () => Promise<void>): DynaliteServer {
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (overrides: DynamoDBClientConfig = {}): DynamoDBClientConfig => ({
    endpoint,
    region: 'us-east-1',
    credentials: DYNALITE_CREDENTIALS,
    ...overrides,
  });
  return { endpoint, port, clientConfig, client: (overrides) => new DynamoDBClient(clientConfig(overrides)), stop };
}

/** The run's shared dynalite when the global setup started one, else undefined. */
function sharedDynalite(): DynaliteServer | undefined {
  const port = inject('sharedDynalitePort');
  return port === undefined ? undefined : serverAt(port, async () => {});
}

/** A table name no other test uses: `memento-<label>-<random>`. */
export const uniqueTableName = (label: string): string => `memento-${label}-${randomUUID().slice(0, 8)}`;

/**
 * Creates a table for the test file on the run's shared dynalite (or on a dynalite of its
 * own when no global setup started one) and removes both afterwards. The stores of one file
 * share the table (the kit uses unique persistence ids per test).
 */
export function useDynamoTable(
  label: string,
  options: Omit<TableOptions, 'tableName'> = {},
): { readonly client: DynamoDBClient; readonly server: DynaliteServer; readonly tableName: string } {
  const tableName = uniqueTableName(label);
  let server: DynaliteServer | undefined;
  let client: DynamoDBClient | undefined;
  const shared = sharedDynalite();
  beforeAll(async () => {
    server = shared ?? (await startDynalite());
    client = server.client();
    await createTable(client, { ...options, tableName });
  });
  afterAll(async () => {
    // On the shared server the table would otherwise hold its items until the run ends.
    if (shared && client) await client.send(new DeleteTableCommand({ TableName: tableName }));
    client?.destroy();
    await server?.stop();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useDynamoTable: the ${what} is used before beforeAll started it`);
    return value;
  };
  return {
    tableName,
    get client() {
      return ready(client, 'client');
    },
    get server() {
      return ready(server, 'server');
    },
  };
}
