/**
 * The journal's circuit breaker against a PostgreSQL server made unreachable (issue 17,
 * point 5): a TCP proxy in front of the server is switched off; the runtime's calls fail
 * until the breaker opens, then fail at once with CircuitOpenError without reaching the
 * network; after the reset timeout (a fake clock) one trial call goes through and closes it.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPersistence, defineEntity, Effect, ErrorCodes, isMementoError, MemorySnapshotStore } from '../../src/index.js';
import { PostgresJournal } from '../../src/postgres/index.js';
import { PG_URL, urlVia, useSchema } from './support.js';

const pg = useSchema('runtime2_breaker');

/** A TCP proxy that can be switched off (every connection cut, new ones refused) and on again; counts connections tried. */
async function switchableProxy() {
  const target = new URL(PG_URL);
  const sockets = new Set<net.Socket>();
  let up = true;
  let attempts = 0;
  const server = net.createServer((client) => {
    attempts++;
    client.on('error', () => {});
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    upstream.on('error', () => {});
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    for (const socket of [client, upstream]) {
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: urlVia((server.address() as net.AddressInfo).port),
    get attempts() {
      return attempts;
    },
    down() {
      up = false;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      up = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class FakeClock {
  time = 1_000_000;
  now(): number {
    return this.time;
  }
}

const counter = defineEntity<number, { type: 'add'; amount: number }, { amount: number }>({
  name: 'counter',
  emptyState: 0,
  commandHandler: (_state, command) => Effect.persist<{ amount: number }, number>({ amount: command.amount }).thenReply((s) => s),
  eventHandler: (state, event) => state + event.amount,
});

/** True when `error` or one of its causes is a CircuitOpenError. */
function isCircuitOpen(error: unknown): boolean {
  for (let at = error; at !== undefined && at !== null; at = (at as { cause?: unknown }).cause) {
    if (isMementoError(at, ErrorCodes.circuitOpen)) return true;
  }
  return false;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('journal circuit breaker over PostgreSQL', () => {
  it('opens while the server is unreachable, fails at once without touching the network, and closes after a good trial', async () => {
    const proxy = await switchableProxy();
    cleanups.push(() => proxy.close());
    const journal = new PostgresJournal({ connectionString: proxy.url, schema: pg.schema, retry: { attempts: 1 } });
    const clock = new FakeClock();
    const persistence = createPersistence({
      journal,
      snapshotStore: new MemorySnapshotStore(),
      circuitBreakers: { journal: { maxFailures: 3, resetTimeoutMs: 30_000 }, clock },
    });
    cleanups.push(() => persistence.close().catch(() => {}));
    const ref = persistence.entity(counter, `breaker-${Date.now()}`);
    expect(await ref.ask({ type: 'add', amount: 1 })).toBe(1);

    proxy.down();
    const failures: unknown[] = [];
    for (let command = 0; command < 10 && !failures.some(isCircuitOpen); command++) {
      failures.push(await ref.ask({ type: 'add', amount: 1 }).catch((error: unknown) => error));
    }
    // The store fails (the write, then the recoveries that follow) until three failures in a row open the breaker.
    expect(failures.filter((failure) => !isCircuitOpen(failure)).length).toBeGreaterThanOrEqual(1);
    expect(isCircuitOpen(failures.at(-1))).toBe(true);

    const tried = proxy.attempts;
    const refused = await ref.ask({ type: 'add', amount: 1 }).catch((error: unknown) => error);
    expect(isCircuitOpen(refused)).toBe(true);
    expect((refused as Error).message).toContain('circuit breaker is open');
    expect(proxy.attempts).toBe(tried);

    // Back, but the breaker stays open until its reset timeout has passed.
    proxy.up();
    expect(isCircuitOpen(await ref.ask({ type: 'add', amount: 1 }).catch((error: unknown) => error))).toBe(true);
    clock.time += 30_000;
    expect(await ref.ask({ type: 'add', amount: 1 })).toBe(2);
    expect(await ref.ask({ type: 'add', amount: 1 })).toBe(3);
  });
});
