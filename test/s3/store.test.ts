import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError, Serialization, SnapshotMetadata, SnapshotSelectionCriteria } from '../../src/index.js';
import {
  bucketExists,
  createBucketIfMissing,
  deleteObject,
  download,
  MAX_PREFIX_BYTES,
  objectExists,
  S3SnapshotStore,
  upload,
} from '../../src/s3/index.js';
import { collect, hostileIds } from '../../src/tck/index.js';
import { type S3FaultProxy, startS3FaultProxy } from '../support/s3-fault-proxy.js';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../support/s3-server.js';

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

describe('S3SnapshotStore', () => {
  describe('with 1,100 snapshots of one id', () => {
    const id = newId('many');
    const COUNT = 1_100;

    beforeAll(async () => {
      const store = new S3SnapshotStore({ client, bucket, prefix: 'store/' });
      await pool(COUNT, 16, (nr) => store.save(meta(id, nr), { nr }));
      await store.close();
    }, 120_000);

    it('lists all of them oldest first across pages', async () => {
      const store = open({ client: counted });
      const listed = await seqs(store, id);
      expect(listed).toEqual(Array.from({ length: COUNT }, (_, index) => index + 1));
      expect(lists().length).toBe(2);
      expect(lists()[1]?.url).toContain('continuation-token');
    });

    it('loads the latest with one short listing page and one GET', async () => {
      const store = open({ client: counted });
      const selected = await store.load(id, SnapshotSelectionCriteria.Latest);
      expect(selected?.metadata.sequenceNr).toBe(COUNT);
      expect(selected?.snapshot).toEqual({ nr: COUNT });
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

  it('keeps hostile ids under their own key prefix, within S3 and file-name limits', async () => {
    const store = open();
    const ids = [...hostileIds(), '..', '.', '%2F', 'a/b', '../x', 'CON', 'con', 'Ａ', 'ﬁ'.repeat(85)];
    for (const id of ids) await store.save(meta(id, 1), id);
    for (const id of ids) {
      const key = store.keyOf(id, 1, 1_001);
      expect(key.startsWith('store/')).toBe(true);
      expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024 - MAX_PREFIX_BYTES + 'store/'.length);
      for (const segment of key.split('/')) {
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
        expect(['', '.', '..']).not.toContain(segment);
      }
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe(id);
      for (const other of ids) {
        if (other === id) continue;
        const otherBase = store.keyOf(other, 1, 1_001).replace(/[^/]+$/, '');
        expect(key.startsWith(otherBase)).toBe(false);
      }
    }
    for (const id of ids) await store.deleteMatching(id, SnapshotSelectionCriteria.Latest);
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

  it('detects an object stored with aws-chunked framing (SDK default checksums on a stream) and falls back', async () => {
    const store = open();
    const id = newId('chunked');
    await store.save(meta(id, 1), 'one');
    await store.save(meta(id, 2), 'two');
    const key = store.keyOf(id, 2, 1_002);
    const good = await download(client, bucket, key);
    const defaults = new S3Client({
      ...server.clientConfig(),
      requestChecksumCalculation: undefined,
      responseChecksumValidation: undefined,
    });
    try {
      await defaults.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: Readable.from([good as Buffer]), ContentLength: good?.length }),
      );
    } finally {
      defaults.destroy();
    }
    const stored = await download(client, bucket, key);
    expect(stored?.equals(good as Buffer)).toBe(false); // s3rver kept the chunk framing
    const skipped: number[] = [];
    const selected = await store.load(id, SnapshotSelectionCriteria.Latest, {
      onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
    });
    expect([selected?.snapshot, skipped]).toEqual(['one', [2]]);
  });

  it('detects an object copied under another sequence number', async () => {
    const store = open();
    const id = newId('copied');
    await store.save(meta(id, 1), 'one');
    await store.save(meta(id, 2), 'two');
    const one = await download(client, bucket, store.keyOf(id, 1, 1_001));
    await upload(client, bucket, store.keyOf(id, 3, 1_003), one as Buffer);
    const skipped: number[] = [];
    const selected = await store.load(id, SnapshotSelectionCriteria.Latest, {
      onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
    });
    expect([selected?.snapshot, skipped]).toEqual(['two', [3]]);
  });

  it('detects a snapshot envelope swapped in from another object behind an intact frame header', async () => {
    const store = open();
    const id = newId('swapped');
    await store.save(meta(id, 1), 'one');
    await store.save(meta(id, 2), 'two');
    // Without user metadata a frame is a 31-byte fixed header, the id, then the snapshot envelope.
    const prefix = 31 + Buffer.byteLength(id);
    const [one, two] = [
      await download(client, bucket, store.keyOf(id, 1, 1_001)),
      await download(client, bucket, store.keyOf(id, 2, 1_002)),
    ];
    await upload(
      client,
      bucket,
      store.keyOf(id, 2, 1_002),
      Buffer.concat([(two as Buffer).subarray(0, prefix), (one as Buffer).subarray(prefix)]),
    );
    const skipped: Error[] = [];
    const selected = await store.load(id, SnapshotSelectionCriteria.Latest, { onSkipped: (entry) => skipped.push(entry.error) });
    expect(selected?.snapshot).toBe('one');
    expect(skipped.map((error) => error.message)).toEqual([expect.stringMatching(/snapshot 2 of .*written for another place/)]);
  });

  it('resolves left-over duplicates of a sequence number to the later timestamp and cleans them up', async () => {
    const store = open();
    const id = newId('dupes');
    await store.save(meta(id, 5, 2_000), 'newer');
    // As if a replacing save crashed between its PUT and the delete of what it replaced:
    const other = open({ prefix: 'store/' });
    const bytes = await download(client, bucket, store.keyOf(id, 5, 2_000));
    expect(bytes).not.toBeNull();
    await other.save(meta(id, 4, 1_000), 'four');
    const olderKey = store.keyOf(id, 5, 1_000);
    const scratch = new S3SnapshotStore({ client, bucket, prefix: 'scratch/' });
    await scratch.save(meta(id, 5, 1_000), 'older');
    await upload(client, bucket, olderKey, (await download(client, bucket, scratch.keyOf(id, 5, 1_000))) as Buffer);
    await scratch.close();
    expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('newer');
    expect(await seqs(store, id)).toEqual([4, 5]);
    await store.delete(meta(id, 5));
    expect(await objectExists(client, bucket, olderKey)).toBe(false);
    expect(await seqs(store, id)).toEqual([4]);
  });

  it('streams the frame to a client that does not retry, and hands one buffer to a client that re-sends bodies itself', async () => {
    const bodies: string[] = [];
    const recording = (maxAttempts?: number) => {
      const recorded = server.client(maxAttempts === undefined ? {} : { maxAttempts });
      recorded.middlewareStack.add(
        (next) => async (args) => {
          const body = (args.request as { body?: unknown }).body;
          if ((args.request as { method?: string }).method === 'PUT') bodies.push(body instanceof Readable ? 'stream' : 'buffer');
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
        retry: { baseDelayMs: 5, maxDelayMs: 20 },
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
      const store = open({ client: counted, rangedDownloadThresholdBytes: 8 * 1024 * 1024 });
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

  describe('loading a key this store knows', () => {
    const recorders: S3Client[] = [];
    afterEach(() => {
      for (const recorder of recorders.splice(0)) recorder.destroy();
    });
    /** A store whose client goes through the proxy and logs `start`/`end` of each command with its key. */
    const recordingStore = () => {
      const events: string[] = [];
      const recorder = server.client({ endpoint: proxy.endpoint });
      recorders.push(recorder);
      recorder.middlewareStack.add(
        (next, context) => async (args) => {
          const name = `${context.commandName?.replace('Command', '')} ${(args.input as { Key?: string }).Key ?? ''}`.trim();
          events.push(`start ${name}`);
          try {
            return await next(args);
          } finally {
            events.push(`end ${name}`);
          }
        },
        { step: 'initialize' },
      );
      return { store: open({ client: recorder }), events };
    };
    /** A new id with snapshots of `sequenceNrs` (state `{ n }`) saved through `store`. */
    const savedId = async (store: S3SnapshotStore, label: string, ...sequenceNrs: number[]) => {
      const id = newId(label);
      for (const n of sequenceNrs) await store.save(meta(id, n), { n });
      return id;
    };
    const slowListing = () =>
      proxy.inject({ method: 'GET', test: (_method, url) => url.includes('list-type=2'), fault: { kind: 'slow', delayMs: 300 } });

    it('downloads the snapshot it saved while the listing runs, and returns it once the listing names it', async () => {
      const { store, events } = recordingStore();
      const id = await savedId(store, 'early', 1, 2);
      const key = (await store.findKey(id, 2)) as string;
      events.length = 0;
      slowListing();
      const loaded = await store.load(id, SnapshotSelectionCriteria.Latest);
      expect(loaded?.snapshot).toEqual({ n: 2 });
      expect(events.filter((event) => event.startsWith('start GetObject'))).toEqual([`start GetObject ${key}`]);
      // The GET finished while the (slowed) listing was still out: the two overlapped.
      expect(events.indexOf(`end GetObject ${key}`)).toBeLessThan(events.indexOf('end ListObjectsV2'));
    });

    it('remembers what it loaded, so the next load of the id starts its GET early too', async () => {
      const id = await savedId(open(), 'loaded', 3);
      const { store, events } = recordingStore();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 3 });
      expect(events.indexOf('end ListObjectsV2')).toBeLessThan(events.findIndex((event) => event.startsWith('start GetObject')));
      events.length = 0;
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 3 });
      expect(events.findIndex((event) => event.startsWith('start GetObject'))).toBeLessThan(events.indexOf('end ListObjectsV2'));
    });

    it('returns a newer snapshot saved by another process, not the one it knows', async () => {
      const { store, events } = recordingStore();
      const id = await savedId(store, 'newer', 1);
      const known = (await store.findKey(id, 1)) as string;
      await open().save(meta(id, 2), { n: 2 });
      const newer = (await store.findKey(id, 2)) as string;
      events.length = 0;
      slowListing();
      const loaded = await store.load(id, SnapshotSelectionCriteria.Latest);
      expect(loaded?.snapshot).toEqual({ n: 2 });
      expect(events.filter((event) => event.startsWith('start GetObject'))).toEqual([
        `start GetObject ${known}`,
        `start GetObject ${newer}`,
      ]);
    });

    it('does not return the snapshot it knows once another process deleted it', async () => {
      const store = open();
      const id = await savedId(store, 'deleted', 1, 2);
      await open().delete(meta(id, 2));
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      await open().deleteMatching(id, SnapshotSelectionCriteria.Latest);
      await store.save(meta(id, 4), { n: 4 });
      await open().deleteMatching(id, SnapshotSelectionCriteria.Latest);
      expect(await store.load(id, SnapshotSelectionCriteria.Latest)).toBeNull();
    });

    it('falls back to the next older snapshot when the known object was damaged by another writer', async () => {
      const store = open();
      const id = await savedId(store, 'damaged', 1, 2);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: (await store.findKey(id, 2)) as string, Body: randomBytes(200) }));
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
    });

    it('starts no early GET when the known snapshot does not match the criteria', async () => {
      const { store, events } = recordingStore();
      const id = await savedId(store, 'criteria', 1, 5);
      events.length = 0;
      const loaded = await store.load(id, new SnapshotSelectionCriteria({ maxSequenceNr: 3 }));
      expect(loaded?.snapshot).toEqual({ n: 1 });
      expect(events.filter((event) => event.startsWith('start GetObject'))).toEqual([`start GetObject ${await store.findKey(id, 1)}`]);
    });
  });

  it('builds its own client lazily, creates the bucket, and destroys only its own client', async () => {
    const ownBucket = `memento-own-${randomUUID().slice(0, 8)}`;
    const own = new S3SnapshotStore({
      bucket: ownBucket,
      createBucketIfMissing: true,
      clientConfig: { endpoint: server.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS },
    });
    const id = newId('own');
    await own.save(meta(id, 1), 'mine');
    expect(await bucketExists(client, ownBucket)).toBe(true);
    expect((await own.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('mine');
    await own.close();
    const shared = open();
    await shared.close();
    expect(await bucketExists(client, bucket)).toBe(true); // the given client still works
  });

  it('checks its options eagerly', () => {
    const invalid = (options: unknown) => () => new S3SnapshotStore(options as ConstructorParameters<typeof S3SnapshotStore>[0]);
    const isInvalid = (error: unknown) => isMementoError(error, ErrorCodes.invalidArgument);
    expect(invalid({})).toThrow(expect.toSatisfy(isInvalid));
    expect(invalid({ bucket: 'b', prefix: 'x'.repeat(MAX_PREFIX_BYTES + 1) })).toThrow(/prefix/);
    expect(invalid({ bucket: 'b', partSizeBytes: 1024 })).toThrow(/partSizeBytes/);
    expect(invalid({ bucket: 'b', client: 'nope' })).toThrow(/client/);
  });
});

describe('S3 helpers', () => {
  it('create, exists, upload, download, delete', async () => {
    const name = `memento-helpers-${randomUUID().slice(0, 8)}`;
    expect(await bucketExists(client, name)).toBe(false);
    expect(await createBucketIfMissing(client, name)).toBe(true);
    expect(await createBucketIfMissing(client, name)).toBe(false);
    expect(await bucketExists(client, name)).toBe(true);
    expect(await objectExists(client, name, 'forest.json')).toBe(false);
    expect(await download(client, name, 'forest.json')).toBeNull();
    await upload(client, name, 'forest.json', JSON.stringify({ trees: 3 }));
    expect(await objectExists(client, name, 'forest.json')).toBe(true);
    expect(JSON.parse((await download(client, name, 'forest.json'))?.toString() ?? 'null')).toEqual({ trees: 3 });
    await deleteObject(client, name, 'forest.json');
    await deleteObject(client, name, 'forest.json');
    expect(await objectExists(client, name, 'forest.json')).toBe(false);
  });
});
