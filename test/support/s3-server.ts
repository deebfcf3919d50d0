/**
 * A real S3-protocol server (s3rver) for tests and benchmarks, run as a child process on a
 * free loopback port with its own temp directory.
 *
 * Why a child process: s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3
 * refuses unless Node runs with `--openssl-legacy-provider`; without it every truncated
 * listing fails with HTTP 500. The flag must be given to the server's Node process, so the
 * server cannot run inside the test worker.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, inject } from 'vitest';
import { createBucketIfMissing } from '../../src/s3/index.js';

/** s3rver's fixed credentials (test-only, not secrets). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** How to start the server by hand, printed when it cannot be started. */
export const HOW_TO_START =
  'start it by hand with: node --openssl-legacy-provider node_modules/s3rver/bin/s3rver.js -a 127.0.0.1 -p 4569 -d /tmp/s3rver ' +
  '(s3rver 3.7.1 is a devDependency; run npm install if it is missing)';

/** A running s3rver child process. */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Where the server keeps buckets (removed by `stop`). */
  readonly directory: string;
  /** Client config for this server: path style, fixed credentials, no aws-chunked bodies. */
  clientConfig(overrides?: S3ClientConfig): S3ClientConfig;
  /** A new client for this server (the caller destroys it). */
  client(overrides?: S3ClientConfig): S3Client;
  /** Kills the server and removes its directory; the run's shared one is left to the global setup. */
  stop(): Promise<void>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The s3rver every test file of the run shares (test/support/shared-servers.ts). */
    sharedS3Server?: { readonly port: number; readonly directory: string };
  }
}

// Runs inside the child: plain ESM JavaScript, s3rver loaded by absolute path.
const CHILD_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.env.S3RVER_PATH);
const S3rver = require(process.env.S3RVER_PATH);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.env.S3RVER_DIR });
const address = await server.run();
process.stdout.write(JSON.stringify({ port: address.port }) + '\\n');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent holds our stdin: when it dies (even by SIGKILL) the pipe closes and we follow.
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
`;

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`the S3 test server (s3rver) could not be started: ${why}${errors ? `\n${errors.trim()}` : ''}\n${HOW_TO_START}`));
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

/** Starts s3rver in a child process; rejects with instructions when it cannot. */
export async function startS3Server(): Promise<S3TestServer> {
  let s3rverPath: string;
  try {
    s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  } catch (cause) {
    throw new Error(`the S3 test server (s3rver) is not installed: ${String(cause)}\n${HOW_TO_START}`);
  }
  const directory = await mkdtemp(join(tmpdir(), 'memento-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '--input-type=module', '-e', CHILD_SCRIPT], {
    env: { ...process.env, S3RVER_PATH: s3rverPath, S3RVER_DIR: directory },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await waitForPort(child, 20_000);
    if (!(await answers(port))) throw new Error(`the S3 test server on port ${port} does not answer HTTP\n${HOW_TO_START}`);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  child.removeAllListeners('exit');
  return serverAt(port, directory, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(directory, { recursive: true, force: true });
  });
}

/** The server on `port` keeping buckets in `directory`, stopped by `stop`. */
function serverAt(port: number, directory: string, stop: () => Promise<void>): S3TestServer {
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (overrides: S3ClientConfig = {}): S3ClientConfig => ({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...overrides,
  });
  return { endpoint, port, directory, clientConfig, client: (overrides) => new S3Client(clientConfig(overrides)), stop };
}

/** The run's shared s3rver when the global setup started one, else undefined. */
function sharedS3Server(): S3TestServer | undefined {
  const shared = inject('sharedS3Server');
  return shared === undefined ? undefined : serverAt(shared.port, shared.directory, async () => {});
}

/**
 * A client with `bucket` for the test file, on the run's shared s3rver (or on a server of
 * its own when no global setup started one, stopped afterwards). Each file names its own bucket.
 */
export function useS3Bucket(bucket: string): { readonly client: S3Client; readonly server: S3TestServer } {
  let server: S3TestServer | undefined;
  let client: S3Client | undefined;
  const shared = sharedS3Server();
  beforeAll(async () => {
    server = shared ?? (await startS3Server());
    client = server.client();
    await createBucketIfMissing(client, bucket);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useS3Bucket: the ${what} is used before beforeAll started it`);
    return value;
  };
  return {
    get client() {
      return ready(client, 'client');
    },
    get server() {
      return ready(server, 'server');
    },
  };
}
