/**
 * A real server restart (pg_ctl restart on a private cluster, never the shared server):
 * live queries LISTEN again afterwards and are woken by notifications, not by polling,
 * also behind PgBouncer in session pooling.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/observability/logger.js';
import { migrate, PostgresDurableStateStore, PostgresJournal } from '../../src/postgres/index.js';
import { atomicWrite } from '../../src/tck/index.js';
import { type Bouncer, type PrivateCluster, startPgBouncer, startPrivateCluster } from './servers.js';

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

/** A logger keeping every line, with a way to wait for `count` lines matching `match`. */
function recordingLogger() {
  const lines: string[] = [];
  const waiters: { match: RegExp; count: number; resolve: () => void }[] = [];
  const record = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
    for (const waiter of [...waiters]) if (lines.filter((line) => waiter.match.test(line)).length >= waiter.count) waiter.resolve();
  };
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const waitFor = (match: RegExp, count = 1) =>
    new Promise<void>((resolve) => {
      waiters.push({ match, count, resolve });
      if (lines.filter((line) => match.test(line)).length >= count) resolve();
    });
  return { logger, lines, waitFor };
}

/** Resolves with the first notification above ordering 0 delivered to `subscribe`'s listener. */
async function firstNotification(
  subscribe: (listener: (notification: { readonly ordering: number }) => void) => Promise<{ close(): Promise<void> }>,
) {
  let announced!: (ordering: number) => void;
  const arrived = new Promise<number>((resolve) => {
    announced = resolve;
  });
  const subscription = await subscribe(({ ordering }) => {
    if (ordering > 0) announced(ordering);
  });
  return { arrived, close: () => subscription.close() };
}

describe('postgres LISTEN across a server restart behind PgBouncer in session pooling', () => {
  it('LISTENs again through the pooler after pg_ctl restart, for the journal and the durable state store', async () => {
    const server = started();
    const bouncer: Bouncer = await startPgBouncer(server.url, 'session');
    const schema = `memento_pg_bounce_restart_${randomUUID().slice(0, 8)}`;
    const { logger, lines, waitFor } = recordingLogger();
    // Every connection, LISTEN included, goes through PgBouncer: session pooling keeps a LISTEN.
    const options = { connectionString: bouncer.url, schema, logger, retry: { attempts: 30, initialDelayMs: 50, maxDelayMs: 500 } };
    const journal = new PostgresJournal(options);
    const state = new PostgresDurableStateStore(options);
    try {
      await migrate({ connectionString: bouncer.url, schema });
      const journalBefore = await firstNotification((listener) => journal.subscribe(listener));
      const stateBefore = await firstNotification((listener) => state.subscribe(listener));
      await waitFor(/debug .*notifications arrive/, 2);
      expect(journal.listening && state.listening).toBe(true);
      await journal.write([atomicWrite(`bounce-before-${randomUUID()}`, 1)]);
      await state.upsert(`bounce-before-${randomUUID()}`, 1, 'v1', 'bounced');
      expect(await journalBefore.arrived).toBeGreaterThan(0);
      expect(await stateBefore.arrived).toBeGreaterThan(0);

      await server.restart();
      await waitFor(/info .*LISTEN .* restored/, 2);
      expect(lines.filter((line) => /warn .*(connection lost; reconnecting|failed; retrying)/.test(line)).length).toBeGreaterThanOrEqual(2);
      expect(journal.listening && state.listening).toBe(true);

      const journalAfter = await firstNotification((listener) => journal.subscribe(listener));
      const stateAfter = await firstNotification((listener) => state.subscribe(listener));
      await journal.write([atomicWrite(`bounce-after-${randomUUID()}`, 1)]);
      await state.upsert(`bounce-after-${randomUUID()}`, 1, 'v1', 'bounced');
      expect(await journalAfter.arrived).toBeGreaterThan(0);
      expect(await stateAfter.arrived).toBeGreaterThan(0);
      for (const subscription of [journalBefore, stateBefore, journalAfter, stateAfter]) await subscription.close();
      expect(lines.filter((line) => /did not arrive/.test(line))).toEqual([]);
    } finally {
      await journal.close();
      await state.close();
      await bouncer.stop();
    }
  }, 120_000);
});
