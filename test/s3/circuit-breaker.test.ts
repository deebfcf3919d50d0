/**
 * The snapshot store's circuit breaker against an S3 server answering 503 (issue 17, point 5):
 * recoveries fail on the snapshot load until the breaker opens, then fail at once with
 * CircuitOpenError without a request reaching the proxy; after the reset timeout (a fake
 * clock) a trial load goes through and closes it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersistence, defineEntity, Effect, ErrorCodes, isMementoError, MemoryJournal } from '../../src/index.js';
import { createBucketIfMissing, S3SnapshotStore } from '../../src/s3/index.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

const bucket = 'memento-runtime2-breaker';
let server: S3TestServer;
let proxy: S3FaultProxy;

beforeAll(async () => {
  server = await startS3Server();
  proxy = await startS3FaultProxy(server.endpoint);
  const direct = server.client();
  await createBucketIfMissing(direct, bucket);
  direct.destroy();
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

class FakeClock {
  time = 1_000_000;
  now(): number {
    return this.time;
  }
}

const counter = defineEntity<number, { type: 'get' }, { amount: number }>({
  name: 'counter',
  emptyState: 0,
  commandHandler: (state) => Effect.reply(state),
  eventHandler: (state, event) => state + event.amount,
});

/** True when `error` or one of its causes is a CircuitOpenError. */
function isCircuitOpen(error: unknown): boolean {
  for (let at = error; at !== undefined && at !== null; at = (at as { cause?: unknown }).cause) {
    if (isMementoError(at, ErrorCodes.circuitOpen)) return true;
  }
  return false;
}

describe('snapshot store circuit breaker over S3', () => {
  it('opens while S3 answers 503, fails at once without a request, and closes after a good trial', async () => {
    const snapshotStore = new S3SnapshotStore({
      bucket,
      prefix: `breaker-${randomUUID()}/`,
      clientConfig: { endpoint: proxy.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
      retry: { attempts: 1 },
    });
    const clock = new FakeClock();
    const persistence = createPersistence({
      journal: new MemoryJournal(),
      snapshotStore,
      circuitBreakers: { snapshotStore: { maxFailures: 2, resetTimeoutMs: 60_000 }, clock },
    });
    try {
      proxy.inject({ fault: { kind: 'status', status: 503, code: 'SlowDown' } });
      const ref = persistence.entity(counter, 'a');
      const failures: unknown[] = [];
      for (let command = 0; command < 2; command++) failures.push(await ref.ask({ type: 'get' }).catch((error: unknown) => error));
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(Error);
        expect(isCircuitOpen(failure)).toBe(false);
      }

      const seen = proxy.requests.length;
      const refused = await ref.ask({ type: 'get' }).catch((error: unknown) => error);
      expect(isCircuitOpen(refused)).toBe(true);
      expect((refused as Error).message).toContain('snapshot store circuit breaker is open after 2 failures');
      expect(proxy.requests.length).toBe(seen);

      proxy.reset();
      expect(isCircuitOpen(await ref.ask({ type: 'get' }).catch((error: unknown) => error))).toBe(true);
      clock.time += 60_000;
      expect(await ref.ask({ type: 'get' })).toBe(0);
      expect(await persistence.entity(counter, 'b').ask({ type: 'get' })).toBe(0);
    } finally {
      proxy.reset();
      await persistence.close();
    }
  });
});
