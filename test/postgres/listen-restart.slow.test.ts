/**
 * A real server restart (pg_ctl restart on a private cluster, never the shared server):
 * live queries LISTEN again afterwards and are woken by notifications, not by polling.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/observability/logger.js';
import { migrate, PostgresJournal } from '../../src/postgres/index.js';
import { atomicWrite } from '../../src/tck/index.js';
import { type PrivateCluster, startPrivateCluster } from './servers.js';

let cluster: PrivateCluster | undefined;
let failure: unknown;

beforeAll(async () => {
  try {
    cluster = await startPrivateCluster();
  } catch (error) {
    failure = error;
  }
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const started = (): PrivateCluster => {
  if (!cluster) throw failure ?? new Error('the private cluster did not start');
  return cluster;
};

describe('postgres LISTEN across a server restart', () => {
  it('LISTENs again after pg_ctl restart and delivers the next append', async () => {
    const server = started();
    const schema = `memento_pg_restart_${randomUUID().slice(0, 8)}`;
    await migrate({ connectionString: server.url, schema });
    const lines: string[] = [];
    let restored!: () => void;
    const back = new Promise<void>((resolve) => {
      restored = resolve;
    });
    const record = (level: string) => (message: string) => {
      lines.push(`${level} ${message}`);
      if (/restored/.test(message)) restored();
    };
    const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const journal = new PostgresJournal({
      connectionString: server.url,
      schema,
      logger,
      retry: { attempts: 20, initialDelayMs: 50, maxDelayMs: 500 },
    });
    const orderings: number[] = [];
    let announced!: () => void;
    const arrived = new Promise<void>((resolve) => {
      announced = resolve;
    });
    const subscription = await journal.subscribe(({ ordering }) => {
      orderings.push(ordering);
      if (ordering > 0) announced();
    });
    try {
      expect(journal.listening).toBe(true);
      await server.restart();
      await back;
      expect(lines.some((line) => /warn .*connection lost; reconnecting/.test(line))).toBe(true);
      expect(journal.listening).toBe(true);
      await journal.write([atomicWrite(`restart-${randomUUID()}`, 1)]);
      await arrived;
      expect(Math.max(...orderings)).toBeGreaterThan(0);
    } finally {
      await subscription.close();
      await journal.close();
    }
  }, 120_000);
});
