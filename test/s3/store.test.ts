import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError, SnapshotMetadata, SnapshotSelectionCriteria } from '../../src/index.js';
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

const openStore = (options: Partial<ConstructorParameters<typeof S3SnapshotStore>[0]> = {}) => {
  const store = new S3SnapshotStore({ client, bucket, prefix: 'store/', ...options });
  stores.push(store);
  return store;
};
const open = openStore;
const newId = (label: string) => `${label}-${randomUUID()}`;
const meta = (persistenceId: string, sequenceNr: number, timestamp = 1_000 + sequenceNr) =>
  new SnapshotMetadata({ persistenceId, sequenceNr, timestamp });
const seqs = async (store: S3SnapshotStore, id: string, criteria?: SnapshotSelectionCriteria) =>
  (await collect(store.list(id, criteria))).map((m) => m.sequenceNr);

describe('S3SnapshotStore', () => {
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

  it('detects an object stored with aws-chunked framing (SDK default checksums on a stream) and falls back', async () => {
    // Objects rewritten behind the store's back: only loads that list first see them (headAsIndex: false).
    const store = open({ headAsIndex: false });
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
    // Objects rewritten behind the store's back: only loads that list first see them (headAsIndex: false).
    const store = open({ headAsIndex: false });
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
    // Objects rewritten behind the store's back: only loads that list first see them (headAsIndex: false).
    const store = open({ headAsIndex: false });
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

  describe('the head: the index of the newest snapshot', () => {
    // A low copy limit, so `large` (about 136 KB of JSON) is only named by the head: the
    // default (2 MiB) copy is tested on its own below.
    const open = (options: Partial<ConstructorParameters<typeof S3SnapshotStore>[0]> = {}) =>
      openStore({ headCopyMaxBytes: 64 * 1024, ...options });
    const headOf = async (store: S3SnapshotStore, id: string, sequenceNr: number) =>
      ((await store.findKey(id, sequenceNr)) as string).replace(/[^/]+$/, 'head');
    const bytesOf = async (key: string) =>
      Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
    /** A store that counts its requests: every command, and the keys of its GetObjects. */
    const countingStore = (options: Partial<ConstructorParameters<typeof S3SnapshotStore>[0]> = {}) => {
      const gets: string[] = [];
      const commands: string[] = [];
      const counter = server.client();
      counter.middlewareStack.add(
        (next, context) => async (args) => {
          commands.push(context.commandName ?? '');
          if (context.commandName === 'GetObjectCommand') gets.push((args.input as { Key: string }).Key);
          return next(args);
        },
        { step: 'initialize' },
      );
      stores.push({ close: async () => counter.destroy() } as unknown as S3SnapshotStore);
      const reset = () => {
        gets.length = 0;
        commands.length = 0;
      };
      return { store: open({ client: counter, ...options }), gets, commands, reset };
    };
    const large = (n: number) => ({ n, pad: randomBytes(100 * 1024).toString('base64') });

    it('loads the newest snapshot with one GET of the head, cold and warm, small or named only', async () => {
      const id = newId('head-newest');
      await open().save(meta(id, 1), { n: 1 });
      await open().save(meta(id, 2), { n: 2 });
      const { store, gets, commands, reset } = countingStore();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
      expect(commands).toEqual(['GetObjectCommand']);
      expect(gets).toEqual([await headOf(store, id, 2)]);
      reset();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
      expect(commands).toEqual(['GetObjectCommand']);
      // Too large to copy: the head names it, and the load GETs what it names, without listing.
      await open().save(meta(id, 3), large(3));
      reset();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(expect.objectContaining({ n: 3 }));
      expect(commands).toEqual(['GetObjectCommand', 'GetObjectCommand']);
      expect(gets).toEqual([await headOf(store, id, 3), await store.findKey(id, 3)]);
    });

    it('copies a snapshot up to headCopyMaxBytes (default 2 MiB) into the head, so it loads with one GET', async () => {
      const id = newId('head-copy');
      const state = large(1);
      await openStore().save(meta(id, 1), state);
      const { store, gets, commands } = countingStore({ headCopyMaxBytes: undefined });
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(state);
      expect(commands).toEqual(['GetObjectCommand']);
      expect(gets).toEqual([await headOf(store, id, 1)]);
      // The head holds the whole frame: the snapshot object's bytes follow its first line.
      const head = await bytesOf(await headOf(store, id, 1));
      const object = await bytesOf((await store.findKey(id, 1)) as string);
      expect(head.subarray(head.length - object.length).equals(object)).toBe(true);
      // headCopyMaxBytes: 0 copies nothing: the head is its text lines alone (version, key, size and checksum).
      await openStore({ headCopyMaxBytes: 0 }).save(meta(id, 2), { n: 2 });
      expect((await bytesOf(await headOf(store, id, 2))).toString('utf8').split('\n').filter(Boolean)).toHaveLength(3);
    });

    it('returns a newer snapshot saved by another store object after the head, small or large', async () => {
      const id = newId('head-newer');
      const { store, commands, reset } = countingStore();
      await store.save(meta(id, 1), { n: 1 });
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      await open().save(meta(id, 2), { n: 2 });
      reset();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
      expect(commands).toEqual(['GetObjectCommand']);
      await open().save(meta(id, 3), large(3));
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual(expect.objectContaining({ n: 3 }));
      await open().save(meta(id, 4), { n: 4 });
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 4 });
    });

    it('leaves no stale head when an older snapshot is saved after a newer one (racing saves)', async () => {
      const id = newId('head-race');
      await open().save(meta(id, 2), { n: 2 });
      // Another store object, knowing nothing newer, saves 1 last: its head PUT overwrote 2's.
      await open().save(meta(id, 1), { n: 1 });
      const { store } = countingStore();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
      await expect(bytesOf(await headOf(store, id, 2))).rejects.toThrow();
    });

    it('does not return a snapshot deleted by another store object, nor one whose named object is gone', async () => {
      const id = newId('head-deleted');
      const writer = open();
      await writer.save(meta(id, 1), { n: 1 });
      await writer.save(meta(id, 2), { n: 2 });
      await open().delete(meta(id, 2));
      expect((await open().load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      expect((await writer.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      await writer.save(meta(id, 3), { n: 3 });
      await open().deleteMatching(id, new SnapshotSelectionCriteria({ minSequenceNr: 3 }));
      expect((await writer.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      // A large snapshot is only named: its object deleted behind the store's back sends the load to the listing.
      await writer.save(meta(id, 4), large(4));
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: (await writer.findKey(id, 4)) as string }));
      expect((await open().load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
    });

    it('falls back to the listing when the head is damaged, and skips a damaged named object as before', async () => {
      const id = newId('head-damaged');
      const writer = open();
      await writer.save(meta(id, 1), { n: 1 });
      const head = await headOf(writer, id, 1);
      const damaged = await bytesOf(head);
      damaged.writeUInt8(damaged.readUInt8(damaged.length - 1) ^ 0xff, damaged.length - 1);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: head, Body: damaged }));
      const { store, gets } = countingStore();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      expect(gets).toEqual([head, await store.findKey(id, 1)]);
      for (const body of [randomBytes(100), damaged.subarray(0, 40)]) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: head, Body: body }));
        expect((await open().load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 1 });
      }
      // A named (large) object damaged: the listing reads it again, reports it and loads the next older.
      await writer.save(meta(id, 2), large(2));
      const key = (await writer.findKey(id, 2)) as string;
      const bytes = await bytesOf(key);
      bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0xff, bytes.length >> 1);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
      const skipped: number[] = [];
      const loaded = await open().load(id, SnapshotSelectionCriteria.Latest, {
        onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr),
      });
      expect([loaded?.snapshot, skipped]).toEqual([{ n: 1 }, [2]]);
    });

    it('uses the head only for criteria that select its snapshot', async () => {
      const id = newId('head-criteria');
      await open().save(meta(id, 1), { n: 1 });
      await open().save(meta(id, 5), { n: 5 });
      const { store, commands } = countingStore();
      expect((await store.load(id, new SnapshotSelectionCriteria({ maxSequenceNr: 3 })))?.snapshot).toEqual({ n: 1 });
      expect((await store.load(id, new SnapshotSelectionCriteria({ maxTimestamp: 1_004 })))?.snapshot).toEqual({ n: 1 });
      expect(await store.load(id, new SnapshotSelectionCriteria({ minSequenceNr: 6 }))).toBeNull();
      expect(commands).toContain('ListObjectsV2Command');
    });

    it('keeps the save when its head cannot be written, and loads it through the listing', async () => {
      const id = newId('head-put-fails');
      const { store } = countingStore();
      await store.save(meta(id, 1), { n: 1 });
      const head = await headOf(store, id, 1);
      const proxied = open({ client: counted });
      const headPut = (_method: string, url: string) => (url.split('?')[0] ?? '').endsWith('~/head');
      proxy.inject({ method: 'PUT', test: headPut, fault: { kind: 'status', status: 403, code: 'AccessDenied' } });
      await proxied.save(meta(id, 2), { n: 2 });
      await expect(bytesOf(head)).rejects.toThrow();
      expect((await open().load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
    });

    it('with headAsIndex: false, lists first and sees a stale head or an object deleted behind its back', async () => {
      const id = newId('head-listed');
      const writer = open();
      await writer.save(meta(id, 1), { n: 1 });
      const head = await headOf(writer, id, 1);
      const stale = await bytesOf(head);
      await writer.save(meta(id, 2), { n: 2 });
      await writer.save(meta(id, 3), { n: 3 });
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: head, Body: stale }));
      const listed = open({ headAsIndex: false });
      expect((await listed.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 3 });
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: (await writer.findKey(id, 3)) as string }));
      expect((await open({ headAsIndex: false }).load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 2 });
    });

    it('removes the head with the snapshot it names, and lists no id for a head', async () => {
      const id = newId('head-removed');
      const writer = open();
      await writer.save(meta(id, 1), { n: 1 });
      await writer.save(meta(id, 2), { n: 2 });
      const head = await headOf(writer, id, 2);
      await writer.deleteMatching(id, new SnapshotSelectionCriteria({ maxSequenceNr: 1 }));
      expect(await bytesOf(head)).toBeDefined();
      await writer.delete(meta(id, 2));
      await expect(bytesOf(head)).rejects.toThrow();
      expect(await open().load(id, SnapshotSelectionCriteria.Latest)).toBeNull();
      expect(await writer.listPersistenceIds(undefined, 100_000)).not.toContain(id);
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
      // These tests are about loads that list first; the default one-GET load is tested above.
      return { store: open({ client: recorder, headAsIndex: false }), events };
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
      // A new store object knows no key: it reads the id's head copy alongside the listing instead.
      const headOf = ((await store.findKey(id, 3)) as string).replace(/[^/]+$/, 'head');
      expect(events.filter((event) => event.startsWith('start GetObject'))).toEqual([`start GetObject ${headOf}`]);
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

    it('still starts its GET early after retention deleted older snapshots, and not after the known one went', async () => {
      const { store, events } = recordingStore();
      const id = await savedId(store, 'retention', 1, 2, 3);
      await store.deleteMatching(id, new SnapshotSelectionCriteria({ maxSequenceNr: 1 }));
      await store.delete(meta(id, 2));
      const known = (await store.findKey(id, 3)) as string;
      events.length = 0;
      slowListing();
      expect((await store.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toEqual({ n: 3 });
      expect(events.filter((event) => event.startsWith('start GetObject'))).toEqual([`start GetObject ${known}`]);
      expect(events.indexOf(`end GetObject ${known}`)).toBeLessThan(events.indexOf('end ListObjectsV2'));
      await store.deleteMatching(id, new SnapshotSelectionCriteria({ minSequenceNr: 3 }));
      await store.save(meta(id, 4), { n: 4 });
      await store.delete(meta(id, 4));
      events.length = 0;
      expect(await store.load(id, SnapshotSelectionCriteria.Latest)).toBeNull();
      // Only the id's head, read alongside the listing when no key is known.
      expect(events.filter((event) => event.startsWith('start GetObject'))).toEqual([`start GetObject ${known.replace(/[^/]+$/, 'head')}`]);
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
      const store = open({ headAsIndex: false });
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
      const oldest = (await store.findKey(id, 1)) as string;
      // No early GET of the known key; the head (a copy of 5) is read but not used.
      expect(events.filter((event) => event.startsWith('start GetObject'))).toEqual([
        `start GetObject ${oldest.replace(/[^/]+$/, 'head')}`,
        `start GetObject ${oldest}`,
      ]);
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

  it('treats an undefined clientConfig entry as absent: region: process.env.REGION unset keeps the us-east-1 default', async () => {
    const unset: string | undefined = process.env.MEMENTO_TEST_UNSET_REGION;
    expect(unset).toBeUndefined();
    const own = new S3SnapshotStore({
      bucket,
      clientConfig: { endpoint: server.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, region: unset, maxAttempts: unset },
    });
    try {
      const built = (await own.getClient()) as S3Client;
      expect(await built.config.region()).toBe('us-east-1');
      expect(await built.config.maxAttempts()).toBe(1);
      const id = newId('region');
      await own.save(meta(id, 1), 'stored');
      expect((await own.load(id, SnapshotSelectionCriteria.Latest))?.snapshot).toBe('stored');
    } finally {
      await own.close();
    }
  });

  it('checks its options eagerly', () => {
    const invalid = (options: unknown) => () => new S3SnapshotStore(options as ConstructorParameters<typeof S3SnapshotStore>[0]);
    const isInvalid = (error: unknown) => isMementoError(error, ErrorCodes.invalidArgument);
    expect(invalid({})).toThrow(expect.toSatisfy(isInvalid));
    expect(invalid({ bucket: 'b', prefix: 'x'.repeat(MAX_PREFIX_BYTES + 1) })).toThrow(/prefix/);
    expect(invalid({ bucket: 'b', partSizeBytes: 1024 })).toThrow(/partSizeBytes/);
    expect(invalid({ bucket: 'b', client: 'nope' })).toThrow(/client/);
    expect(invalid({ bucket: 'b', headCopyMaxBytes: -1 })).toThrow(/headCopyMaxBytes: expected an integer >= 0, found -1/);
    expect(invalid({ bucket: 'b', headCopyMaxBytes: 1.5 })).toThrow(/headCopyMaxBytes/);
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
