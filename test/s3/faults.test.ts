import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  isMementoError,
  isStoreUnavailableError,
  SaveSnapshotFailure,
  Serialization,
  SnapshotMetadata,
  SnapshotSelectionCriteria,
} from '../../src/index.js';
import { createBucketIfMissing, download, parseSnapshotKey, S3SnapshotStore } from '../../src/s3/index.js';
import { decodeSnapshotFrame } from '../../src/spi/snapshot-frame.js';
import { decodeSnapshot } from '../../src/spi/snapshot-support.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

const bucket = 'memento-faults';
const SECRET = 'not-a-real-secret-but-must-never-leak';
let server: S3TestServer;
let proxy: S3FaultProxy;
let direct: S3Client;
const stores: S3SnapshotStore[] = [];

beforeAll(async () => {
  server = await startS3Server();
  proxy = await startS3FaultProxy(server.endpoint);
  direct = server.client();
  await createBucketIfMissing(direct, bucket);
});
afterEach(async () => {
  proxy.reset();
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  direct?.destroy();
  await proxy?.close();
  await server?.stop();
});

/** A store talking through the fault proxy, with short retry timings. */
function proxiedStore(retry: { deadlineMs?: number; attemptTimeoutMs?: number } = {}, headAsIndex = true): S3SnapshotStore {
  const store = new S3SnapshotStore({
    headAsIndex,
    bucket,
    prefix: 'faults/',
    clientConfig: { endpoint: proxy.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    retry: { deadlineMs: 4_000, initialDelayMs: 10, maxDelayMs: 100, attemptTimeoutMs: 2_000, ...retry },
  });
  stores.push(store);
  return store;
}

const pidOf = (label: string) => `fault-${label}-${randomUUID()}`;
const meta = (persistenceId: string, sequenceNr: number) =>
  new SnapshotMetadata({ persistenceId, sequenceNr, timestamp: 1_700_000_000_000 + sequenceNr });
const stateOf = (sequenceNr: number) => ({ sequenceNr, data: `state at ${sequenceNr}`.repeat(50) });

/** Saves snapshots 1..n directly (no faults). */
async function seed(persistenceId: string, count: number): Promise<void> {
  const store = new S3SnapshotStore({ client: direct, bucket, prefix: 'faults/' });
  for (let nr = 1; nr <= count; nr++) await store.save(meta(persistenceId, nr), stateOf(nr));
  await store.close();
}

/** Every object of the id either fails to decode or decodes to exactly what was saved at its sequence number. */
async function expectNoWrongData(persistenceId: string, expected: (sequenceNr: number) => unknown): Promise<number> {
  const base = new S3SnapshotStore({ client: direct, bucket, prefix: 'faults/' });
  const prefix = base.keyOf(persistenceId, 1, 0).replace(/[^/]+$/, '');
  await base.close();
  const listing = await direct.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  let readable = 0;
  for (const object of listing.Contents ?? []) {
    // The head is a copy, used only when it matches the listed youngest object byte for byte.
    if (object.Key === `${prefix}head`) continue;
    const parsed = parseSnapshotKey(prefix, object.Key ?? '');
    expect(parsed, `unexpected key ${object.Key}`).toBeDefined();
    if (!parsed) continue;
    const bytes = await download(direct, bucket, parsed.key);
    if (!bytes) continue;
    let decoded: unknown;
    try {
      decoded = decodeSnapshot(decodeSnapshotFrame(bytes, { persistenceId, ...parsed }, 's3'), new Serialization()).snapshot;
    } catch (error) {
      expect(isMementoError(error)).toBe(true);
      continue;
    }
    expect(decoded).toEqual(expected(parsed.sequenceNr));
    readable++;
  }
  return readable;
}

const gets = () => proxy.requests.filter((entry) => entry.method === 'GET' && !entry.url.includes('list-type'));

describe('S3SnapshotStore under faults', () => {
  it('loads through 503s on listing and GET', async () => {
    const pid = pidOf('503');
    await seed(pid, 3);
    // A load that lists first (the default reads the head alone, tested just below).
    const store = proxiedStore({}, false);
    proxy.inject({ method: 'GET', path: 'list-type=2', fault: { kind: 'status', status: 503 }, times: 2 });
    proxy.inject({ method: 'GET', path: pid, fault: { kind: 'status', status: 503 }, times: 2 });
    const selected = await store.load(pid, SnapshotSelectionCriteria.Latest);
    expect(selected?.snapshot).toEqual(stateOf(3));
    expect(proxy.requests.filter((entry) => entry.fault === 'status')).toHaveLength(4);
    proxy.reset();
    proxy.inject({ method: 'GET', path: pid, fault: { kind: 'status', status: 503 }, times: 2 });
    expect((await proxiedStore().load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(stateOf(3));
    expect(proxy.requests.map((entry) => [entry.method, entry.url.split('?')[0]?.split('/').pop(), entry.fault])).toEqual([
      ['GET', 'head', 'status'],
      ['GET', 'head', 'status'],
      ['GET', 'head', undefined],
    ]);
  });

  it('loads through throttling (429) and 500s', async () => {
    const pid = pidOf('throttle');
    await seed(pid, 2);
    const store = proxiedStore();
    proxy.inject({ method: 'GET', path: pid, fault: { kind: 'status', status: 429, code: 'SlowDown' }, times: 1 });
    proxy.inject({ method: 'GET', path: pid, fault: { kind: 'status', status: 500 }, times: 1 });
    expect((await store.load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(stateOf(2));
  });

  it('loads through connection resets', async () => {
    const pid = pidOf('reset');
    await seed(pid, 2);
    const store = proxiedStore();
    proxy.inject({ method: 'GET', path: 'list-type=2', fault: { kind: 'reset' }, times: 1 });
    proxy.inject({ method: 'GET', test: (_, url) => url.includes(pid) && !url.includes('list-type'), fault: { kind: 'reset' }, times: 2 });
    expect((await store.load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(stateOf(2));
  });

  it('aborts a stalled response and retries within the attempt timeout', async () => {
    const pid = pidOf('slow');
    await seed(pid, 2);
    const store = proxiedStore({ attemptTimeoutMs: 500 });
    proxy.inject({
      method: 'GET',
      test: (_, url) => url.includes(pid) && !url.includes('list-type'),
      fault: { kind: 'slow', delayMs: 5_000 },
      times: 1,
    });
    const started = performance.now();
    expect((await store.load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(stateOf(2));
    expect(performance.now() - started).toBeLessThan(4_000); // the stalled response would take 5 s
    expect(gets().length).toBeGreaterThanOrEqual(2);
  });

  it('retries a body cut off mid-stream and returns the youngest snapshot', async () => {
    const pid = pidOf('truncate');
    await seed(pid, 3);
    const store = proxiedStore();
    proxy.inject({
      method: 'GET',
      test: (_, url) => url.includes(pid) && !url.includes('list-type'),
      fault: { kind: 'truncate' },
      times: 2,
    });
    const skipped: number[] = [];
    const selected = await store.load(pid, SnapshotSelectionCriteria.Latest, {
      onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
    });
    expect(selected?.snapshot).toEqual(stateOf(3));
    expect(skipped).toEqual([]);
  });

  it('falls back to an older snapshot when the youngest always arrives short, and reports it', async () => {
    const pid = pidOf('short');
    await seed(pid, 3);
    const store = proxiedStore();
    const youngest = store.keyOf(pid, 3, meta(pid, 3).timestamp);
    const youngestName = youngest.slice(youngest.lastIndexOf('/') + 1);
    proxy.inject({ method: 'GET', path: youngestName, fault: { kind: 'short' } });
    // The head copy of the youngest arrives short too, so the load cannot take the copy instead.
    proxy.inject({ method: 'GET', path: `${youngest.slice(0, youngest.lastIndexOf('/'))}/head`, fault: { kind: 'short' } });
    const skipped: number[] = [];
    const selected = await store.load(pid, SnapshotSelectionCriteria.Latest, {
      onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
    });
    expect(selected?.snapshot).toEqual(stateOf(2));
    expect(skipped).toEqual([3]);
  });

  it('saves through 503s and resets, leaving exactly the saved snapshot', async () => {
    const pid = pidOf('save');
    const store = proxiedStore();
    proxy.inject({ method: 'PUT', path: pid, fault: { kind: 'status', status: 503 }, times: 2 });
    proxy.inject({ method: 'PUT', path: pid, fault: { kind: 'reset' }, times: 1 });
    await store.save(meta(pid, 1), stateOf(1));
    // The server stored it but the client never heard: the retry writes the same bytes again.
    proxy.inject({ method: 'PUT', path: pid, fault: { kind: 'reset-after' }, times: 1 });
    await store.save(meta(pid, 2), stateOf(2));
    // Half a request body reaches the server, then the connection drops.
    proxy.inject({ method: 'PUT', path: pid, fault: { kind: 'truncate-request' }, times: 1 });
    await store.save(meta(pid, 3), stateOf(3));
    expect((await store.load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(stateOf(3));
    expect(await expectNoWrongData(pid, stateOf)).toBe(3);
  });

  it('fails a save that keeps failing with StoreUnavailableError naming bucket, key and id, without credentials', async () => {
    const pid = pidOf('down');
    await seed(pid, 1);
    const store = new S3SnapshotStore({
      bucket,
      prefix: 'faults/',
      clientConfig: {
        endpoint: proxy.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIA-TEST-KEY-ID', secretAccessKey: SECRET },
      },
      retry: { deadlineMs: 600, initialDelayMs: 10, maxDelayMs: 50, attemptTimeoutMs: 1_000 },
    });
    stores.push(store);
    proxy.inject({ method: 'PUT', path: pid, fault: { kind: 'status', status: 503 } });
    const metadata = meta(pid, 2);
    const error = await store.save(metadata, stateOf(2)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isStoreUnavailableError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(bucket);
    expect(message).toContain(store.keyOf(pid, 2, metadata.timestamp));
    expect(message).toContain(pid);
    expect(message).toContain('HTTP 503');
    const everything = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('AKIA-TEST-KEY-ID');
    // What the entity runtime makes of it:
    expect(SaveSnapshotFailure(metadata, error).cause).toBe(error);
    proxy.reset();
    // Nothing half-written: the older snapshot is still the youngest readable one.
    expect((await proxiedStore().load(pid, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(stateOf(1));
    expect(await expectNoWrongData(pid, stateOf)).toBe(1);
  });

  it('fails a load when the server stays down, after the deadline', async () => {
    const pid = pidOf('load-down');
    await seed(pid, 1);
    const store = proxiedStore({ deadlineMs: 300 });
    proxy.inject({ method: 'GET', fault: { kind: 'reset' } });
    const started = performance.now();
    await expect(store.load(pid, SnapshotSelectionCriteria.Latest)).rejects.toSatisfy(
      (error) => isMementoError(error, ErrorCodes.storeUnavailable) && (error as Error).message.includes(pid),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('does not retry answers that will not change (403)', async () => {
    const pid = pidOf('forbidden');
    const store = proxiedStore();
    proxy.inject({ method: 'PUT', path: pid, fault: { kind: 'status', status: 403, code: 'AccessDenied' } });
    await expect(store.save(meta(pid, 1), 'x')).rejects.toSatisfy(
      (error) => isStoreUnavailableError(error) && (error as Error).message.includes('not retryable'),
    );
    // One PUT of the snapshot and one of its head copy, neither retried.
    const puts = proxy.requests.filter((entry) => entry.method === 'PUT').map((entry) => entry.url.split('?')[0]?.split('/').pop());
    expect(puts.sort()).toEqual([...new Set(puts)].sort());
    expect(puts).toHaveLength(2);
  });

  it('keeps stored data intact through a storm of random faults', async () => {
    const pid = pidOf('storm');
    const store = proxiedStore({ deadlineMs: 8_000 });
    const kinds = [
      { kind: 'status', status: 503 },
      { kind: 'reset' },
      { kind: 'reset-after' },
      { kind: 'truncate' },
      { kind: 'truncate-request' },
    ] as const;
    let counter = 0;
    proxy.inject({
      test: (_, url) => url.includes(pid) && counter++ % 3 === 0,
      get fault() {
        return kinds[counter % kinds.length] as (typeof kinds)[number];
      },
    });
    for (let nr = 1; nr <= 12; nr++) await store.save(meta(pid, nr), stateOf(nr));
    await store.deleteMatching(pid, new SnapshotSelectionCriteria({ maxSequenceNr: 4 }));
    const selected = await store.load(pid, SnapshotSelectionCriteria.Latest);
    expect(selected?.snapshot).toEqual(stateOf(12));
    expect(proxy.requests.filter((entry) => entry.fault !== undefined).length).toBeGreaterThan(10);
    proxy.reset();
    expect(await expectNoWrongData(pid, stateOf)).toBe(8);
  });
});
