/**
 * Servers the PostgreSQL tests start for themselves, as user `postgres` on free loopback
 * ports in temporary directories: a private cluster (so a restart never touches the shared
 * server) and a PgBouncer in front of a server. Each fails with how to install what is missing.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { watch } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a command as user `postgres` (the servers refuse to run as root). */
const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', command, ...args]);

/** A directory `postgres` owns, removed by the caller. */
function postgresDirectory(label: string): string {
  const directory = mkdtempSync(join(tmpdir(), `memento-${label}-`));
  return directory;
}

async function chownToPostgres(directory: string): Promise<void> {
  await run('chown', ['-R', 'postgres:postgres', directory]);
}

/** Resolves once `logFile` holds a line matching `pattern`: woken by the file's own changes, never by a timer. */
async function logged(logFile: string, pattern: RegExp): Promise<void> {
  const directory = dirname(logFile);
  const stop = new AbortController();
  const changes = watch(directory, { signal: stop.signal });
  const seen = () => existsSync(logFile) && pattern.test(readFileSync(logFile, 'utf8'));
  try {
    if (seen()) return;
    for await (const _change of changes) if (seen()) return;
  } finally {
    stop.abort();
  }
}

/** The newest installed PostgreSQL's bin directory. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(a) - Number(b)) : [];
  const newest = versions[versions.length - 1];
  if (!newest || !existsSync(join(root, newest, 'bin', 'initdb'))) {
    throw new Error(
      'A private PostgreSQL cluster is needed (initdb and pg_ctl in /usr/lib/postgresql/<version>/bin): install it with `apt-get install postgresql`',
    );
  }
  return join(root, newest, 'bin');
}

/** A throw-away PostgreSQL cluster (trust auth) that tests may restart. */
export interface PrivateCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** A fast restart (`pg_ctl restart -m fast`): every connection is ended. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a private cluster, failing with a message saying what to install when it cannot. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = postgresBin();
  const directory = postgresDirectory('cluster');
  const data = join(directory, 'data');
  const port = await freePort();
  const pgCtl = join(bin, 'pg_ctl');
  const options = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off`;
  try {
    await chownToPostgres(directory);
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await asPostgres(pgCtl, ['-D', data, '-o', options, '-l', join(directory, 'log'), '-w', 'start']);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(
      `Could not start a private PostgreSQL cluster with ${bin}/initdb and pg_ctl as user postgres (${(error as Error).message}); ` +
        'this test needs them (apt-get install postgresql) and root to switch to user postgres',
      { cause: error },
    );
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await asPostgres(pgCtl, ['-D', data, '-o', options, '-l', join(directory, 'log'), '-m', 'fast', '-w', 'restart']);
    },
    stop: async () => {
      await asPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A PgBouncer started by a test. */
export interface Bouncer {
  /** The server URL with host and port replaced by PgBouncer's. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PgBouncer (`pool_mode` transaction unless told otherwise, auth_type trust) on a
 * free loopback port in front of `serverUrl`. Fails saying how to install it when missing.
 */
export async function startPgBouncer(serverUrl: string, poolMode: 'transaction' | 'session' = 'transaction'): Promise<Bouncer> {
  const binary = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));
  if (!binary) {
    throw new Error('PgBouncer is not installed: install it with `apt-get install pgbouncer` (.ci/run does so when it is missing)');
  }
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const directory = postgresDirectory('pgbouncer');
  const port = await freePort();
  writeFileSync(join(directory, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(directory, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${directory}`,
      'auth_type = trust',
      `auth_file = ${join(directory, 'users.txt')}`,
      `pool_mode = ${poolMode}`,
      'max_client_conn = 500',
      'default_pool_size = 20',
      // pg sends these startup parameters; PgBouncer refuses unknown ones unless told to ignore them.
      'ignore_startup_parameters = extra_float_digits,statement_timeout,idle_in_transaction_session_timeout,options',
      `logfile = ${join(directory, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  await chownToPostgres(directory);
  let child: ChildProcess;
  try {
    child = spawn('runuser', ['-u', 'postgres', '--', binary, join(directory, 'pgbouncer.ini')], { stdio: 'ignore' });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`pgbouncer exited with code ${code}; see ${directory}/pgbouncer.log`))),
    );
    await Promise.race([logged(join(directory, 'pgbouncer.log'), new RegExp(`listening on 127\\.0\\.0\\.1:${port}\\b`)), exited]);
  } catch (error) {
    throw new Error(`Could not start PgBouncer (${binary}) as user postgres: ${(error as Error).message}`, { cause: error });
  }
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
