/**
 * The HTTP service: a Hono app over a Memento runtime on one SQLite file, a live
 * projection of deposit totals, health and readiness, and a graceful shutdown that stops
 * accepting, drains what is in flight, then closes the stores.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { createPersistence, createReadJournal, MemoryOffsetStore, runProjection } from '../../src/index.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { Account, DEPOSITS_TAG } from './domain.js';

/** A running service. */
export interface Service {
  /** The port it listens on. */
  readonly port: number;
  /** Stops accepting, waits for requests in flight, stops the projection, closes the stores. */
  shutdown(): Promise<void>;
}

/** Starts the service on `port` (0: any free port) with its data in the SQLite file `file`. */
export async function startService(file: string, port = 0): Promise<Service> {
  const journal = new SqliteJournal(file);
  const persistence = createPersistence({ journal, snapshotStore: new SqliteSnapshotStore(file) });
  const totals = new Map<string, number>();
  const stopProjection = new AbortController();
  const queries = createReadJournal(journal);
  const projection = runProjection({
    name: 'deposit-totals',
    source: (offset) => queries.eventsByTag(DEPOSITS_TAG, offset, { live: true, signal: stopProjection.signal }),
    handler: (envelope) => {
      const event = envelope.event as { amount: number };
      totals.set(envelope.persistenceId, (totals.get(envelope.persistenceId) ?? 0) + event.amount);
    },
    offsetStore: new MemoryOffsetStore(),
  });
  let ready = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const app = new Hono();
  app.use(async (context, next) => {
    if (!ready) return context.json({ error: 'shutting down' }, 503);
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
      if (inFlight === 0) drained?.();
    }
    return undefined;
  });
  app.get('/health/live', (context) => context.json({ status: 'live' }));
  app.get('/health/ready', (context) => context.json({ status: 'ready' }));
  app.post('/accounts/:id/deposits', async (context) => {
    const body = (await context.req.json()) as { depositId?: unknown; amount?: unknown };
    if (typeof body.depositId !== 'string' || typeof body.amount !== 'number' || !Number.isSafeInteger(body.amount)) {
      return context.json({ error: 'expected { depositId: string, amount: integer }' }, 400);
    }
    const balance = await persistence
      .entity(Account, context.req.param('id'))
      .ask({ type: 'deposit', depositId: body.depositId, amount: body.amount });
    return context.json({ balance });
  });
  app.get('/accounts/:id', async (context) =>
    context.json({ balance: await persistence.entity(Account, context.req.param('id')).ask({ type: 'balance' }) }),
  );
  app.get('/totals', (context) => context.json(Object.fromEntries(totals)));

  // Readiness answers 503 while starting and draining, so a load balancer stops sending.
  const server = createAdaptorServer({
    fetch: (request, env) =>
      !ready && new URL(request.url).pathname === '/health/live' ? Response.json({ status: 'live' }) : app.fetch(request, env),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await journal.ready();
  ready = true;

  return {
    port: (server.address() as AddressInfo).port,
    async shutdown() {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      await closed;
      stopProjection.abort();
      await projection.done;
      await persistence.close();
    },
  };
}
