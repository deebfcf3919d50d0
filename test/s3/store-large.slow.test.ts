/**
 * The slow tier of the S3 store's tests (`*.slow.test.ts`, run by `npm test`, not by
 * `npm run test:fast`): 1,100 snapshots of one id, multipart uploads, 10 MB frames and
 * ranged downloads against the real S3 server. Split out of store.test.ts unchanged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Serialization, SnapshotMetadata, SnapshotSelectionCriteria } from '../../src/index.js';
import { createBucketIfMissing, download, S3SnapshotStore, upload } from '../../src/s3/index.js';
import { collect } from '../../src/tck/index.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

const bucket = 'memento-store';
let server: S3TestServer;
let proxy: S3FaultProxy;
let client: S3Client;
let counted: S3Client;
const stores: S3SnapshotStore[] = [];

beforeAll(async () => {
  server = await startS3Server();
  proxy = await startS3FaultProxy(server.endpoint);
  client = server.client();
  counted = server.client({ endpoint: proxy.endpoint });
  await createBucketIfMissing(client, bucket);
});
afterEach(async () => {
  proxy.reset();
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  client?.destroy();
  counted?.destroy();
  await proxy?.close();
  await server?.stop();
});

const open = (options: Partial<ConstructorParameters<typeof S3SnapshotStore>[0]> = {}) => {
  const store = new S3SnapshotStore({ client, bucket, prefix: 'store/', ...options });
  stores.push(store);
  return store;
};
const newId = (label: string) => `${label}-${randomUUID()}`;
const meta = (persistenceId: string, sequenceNr: number, timestamp = 1_000 + sequenceNr) =>
  new SnapshotMetadata({ persistenceId, sequenceNr, timestamp });
const seqs = async (store: S3SnapshotStore, id: string, criteria?: SnapshotSelectionCriteria) =>
  (await collect(store.list(id, criteria))).map((m) => m.sequenceNr);
const lists = () => proxy.requests.filter((entry) => entry.url.includes('list-type=2'));

/** Runs `task` for 1..count with `width` in flight. */
async function pool(count: number, width: number, task: (nr: number) => Promise<void>): Promise<void> {
  let next = 1;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next <= count) await task(next++);
    }),
  );
}

describe('S3SnapshotStore (large)', () => {
  describe('with 1,100 snapshots of one id', () => {
    const id = newId('many');
    const COUNT = 1_100;

    beforeAll(async () => {
      const store = new S3SnapshotStore({ client, bucket, prefix: 'store/' });
      await pool(COUNT - 1, 16, (nr) => store.save(meta(id, nr), { nr }));
      // The newest alone and last: a racing save that sees a newer snapshot removes the head,
      // and a load then lists; the last save writes the head that the load below reads.
      await store.save(meta(id, COUNT), { nr: COUNT });
      await store.close();
      // 1,100 saves, each a PUT of the snapshot and its head plus a listing: minutes on a loaded machine.
    }, 300_000);

    it('lists all of them oldest first across pages', async () => {
      const store = open({ client: counted });
      const listed = await seqs(store, id);
      expect(listed).toEqual(Array.from({ length: COUNT }, (_, index) => index + 1));
      expect(lists().length).toBe(2);
      expect(lists()[1]?.url).toContain('continuation-token');
    });

    it('loads the latest with one GET of the head, or one short listing page and one GET', async () => {
      const store = open({ client: counted });
      const selected = await store.load(id, SnapshotSelectionCriteria.Latest);
      expect(selected?.metadata.sequenceNr).toBe(COUNT);
      expect(selected?.snapshot).toEqual({ nr: COUNT });
      expect(lists()).toHaveLength(0);
      expect(proxy.requests).toHaveLength(1);
      proxy.reset();
      const listed = await open({ client: counted, headAsIndex: false }).load(id, SnapshotSelectionCriteria.Latest);
      expect(listed?.snapshot).toEqual({ nr: COUNT });
      expect(lists()).toHaveLength(1);
      expect(lists()[0]?.url).toContain('max-keys=2');
      expect(proxy.requests).toHaveLength(2);
    });

    it('starts the listing at the upper sequence bound', async () => {
      const store = open({ client: counted });
      const selected = await store.load(id, new SnapshotSelectionCriteria({ maxSequenceNr: 17 }));
      expect(selected?.snapshot).toEqual({ nr: 17 });
      expect(lists()).toHaveLength(1);
      expect(lists()[0]?.url).toContain('start-after=');
      expect(await seqs(store, id, new SnapshotSelectionCriteria({ minSequenceNr: 5, maxSequenceNr: 9 }))).toEqual([5, 6, 7, 8, 9]);
    });

    it('deletes matching snapshots in batches of 1000', async () => {
      const store = open({ client: counted });
      await store.deleteMatching(id, new SnapshotSelectionCriteria({ maxSequenceNr: 1_050 }));
      const deletes = proxy.requests.filter((entry) => entry.method === 'POST' && entry.url.includes('delete'));
      expect(deletes).toHaveLength(2);
      expect(await seqs(store, id)).toEqual(Array.from({ length: 50 }, (_, index) => 1_051 + index));
      await store.deleteMatching(id, SnapshotSelectionCriteria.Latest);
      expect(await seqs(store, id)).toEqual([]);
    });
  });

  it('uploads large snapshots in parts and reads them back', async () => {
    const store = open({
      client: counted,
      multipartThresholdBytes: 1024 * 1024,
      partSizeBytes: 5 * 1024 * 1024,
      serialization: new Serialization({ compression: false }),
    });
    const id = newId('large');
    const state = { blob: randomBytes(4 * 1024 * 1024).toString('base64') }; // ~5.6 MB of JSON: two parts
    await store.save(meta(id, 1), state);
    expect(proxy.requests.some((entry) => entry.method === 'POST' && entry.url.includes('uploads'))).toBe(true);
    expect(proxy.requests.filter((entry) => entry.method === 'PUT' && entry.url.includes('partNumber'))).toHaveLength(2);
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(state);
  });

  it('checks every byte of a large snapshot checksummed as its body arrives: one changed byte anywhere is skipped as damaged', async () => {
    const serialization = new Serialization({ compression: false });
    const id = newId('checked');
    const state = new Uint8Array(randomBytes(3 * 1024 * 1024));
    const writer = open({ serialization });
    await writer.save(meta(id, 1), 'older');
    await writer.save(meta(id, 2), state);
    const key = writer.keyOf(id, 2, 1_002);
    const frame = (await download(client, bucket, key)) as Buffer;
    for (const position of [100, 64 * 1024, 1024 * 1024, frame.length - 5, frame.length - 1]) {
      const damaged = Buffer.from(frame);
      damaged[position] = (damaged[position] as number) ^ 0x10;
      await upload(client, bucket, key, damaged);
      // Through the head, which names the object, and through the listing.
      for (const reader of [open({ serialization }), open({ serialization, headAsIndex: false })]) {
        const skipped: number[] = [];
        const selected = await reader.load(id, SnapshotSelectionCriteria.Latest, {
          onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
        });
        expect([position, selected?.snapshot, skipped]).toEqual([position, 'older', [2]]);
      }
    }
    await upload(client, bucket, key, frame);
    const loaded = (await open({ serialization }).load(id, SnapshotSelectionCriteria.Latest))?.snapshot as Uint8Array;
    // Compared as one buffer: an element-by-element deep equality of 3 million bytes takes seconds.
    expect(Buffer.from(loaded).equals(state)).toBe(true);
  });

  it('streams the frame to a client that does not retry, and hands one buffer to a client that re-sends bodies itself', async () => {
    const bodies: string[] = [];
    const recording = (maxAttempts?: number) => {
      const recorded = server.client(maxAttempts === undefined ? {} : { maxAttempts });
      recorded.middlewareStack.add(
        (next) => async (args) => {
          const body = (args.request as { body?: unknown }).body;
          const { method, path } = args.request as { method?: string; path?: string };
          // The head (naming a large snapshot, not copying it) is a small buffer of its own.
          if (method === 'PUT' && !path?.endsWith('/head')) bodies.push(body instanceof Readable ? 'stream' : 'buffer');
          return next(args);
        },
        { step: 'finalizeRequest' },
      );
      return recorded;
    };
    const state = randomBytes(300_000);
    for (const [maxAttempts, expected] of [
      [1, 'stream'],
      [undefined, 'buffer'],
    ] as const) {
      const own = recording(maxAttempts);
      const store = new S3SnapshotStore({ client: own, bucket, prefix: 'bodies/' });
      const id = newId(`body-${expected}`);
      await store.save(meta(id, 1), state);
      expect(new Uint8Array((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot as Uint8Array)).toEqual(
        new Uint8Array(state),
      );
      await store.close();
      own.destroy();
      expect(bodies.splice(0)).toEqual([expected]);
    }
  });

  describe('ranged downloads', () => {
    const keyGets = (key: string) =>
      proxy.requests.filter(
        (entry) => entry.method === 'GET' && !entry.url.includes('list-type') && entry.url.includes(key.split('/').pop() as string),
      );

    it('downloads a large snapshot as parallel ranges into one buffer, retrying a failed range alone', async () => {
      const store = open({
        client: counted,
        rangedDownloadThresholdBytes: 1024 * 1024,
        downloadConcurrency: 3,
        retry: { initialDelayMs: 5, maxDelayMs: 20 },
      });
      const id = newId('ranged');
      const state = randomBytes(3_500_000);
      await store.save(meta(id, 1), state);
      const key = (await store.findKey(id, 1)) as string;
      proxy.reset();
      proxy.inject({ method: 'GET', path: key.split('/').pop() as string, fault: { kind: 'status', status: 503 }, times: 1 });
      const loaded = await store.load(id, SnapshotSelectionCriteria.Latest);
      expect(Buffer.from(loaded?.snapshot as Uint8Array).equals(state)).toBe(true);
      // Three ranges, one of them answered 503 once and asked again.
      expect(keyGets(key)).toHaveLength(4);
      expect(keyGets(key).filter((entry) => entry.fault === 'status')).toHaveLength(1);
    });

    it('reads a snapshot below the threshold in one GET', async () => {
      // headCopyMaxBytes: 0, so the load GETs the object itself rather than the head's copy of it.
      const store = open({ client: counted, rangedDownloadThresholdBytes: 8 * 1024 * 1024, headCopyMaxBytes: 0 });
      const id = newId('whole');
      await store.save(meta(id, 1), randomBytes(2_000_000));
      const key = (await store.findKey(id, 1)) as string;
      proxy.reset();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.metadata.sequenceNr).toBe(1);
      expect(keyGets(key)).toHaveLength(1);
    });

    it('falls back to one whole GET when the object is replaced during a ranged download, never mixing versions', async () => {
      const id = newId('replaced');
      const first = randomBytes(2_500_000);
      const second = randomBytes(3_000_000);
      const replacing = server.client();
      let replaced = false;
      replacing.middlewareStack.add(
        (next) => async (args) => {
          const input = args.input as { Range?: string; Key?: string };
          if (input.Range !== undefined && !replaced) {
            replaced = true;
            // Same id, sequence number and timestamp, so the same key, with another state.
            const writer = new S3SnapshotStore({ client, bucket, prefix: 'store/' });
            await writer.save(meta(id, 1), second);
            await writer.close();
          }
          return next(args);
        },
        { step: 'initialize' },
      );
      const store = open({ client: replacing, rangedDownloadThresholdBytes: 1024 * 1024, downloadConcurrency: 2 });
      await store.save(meta(id, 1), first);
      const loaded = await store.load(id, SnapshotSelectionCriteria.Latest);
      replacing.destroy();
      expect(replaced).toBe(true);
      expect(Buffer.from(loaded?.snapshot as Uint8Array).equals(second)).toBe(true);
    });
  });
});
