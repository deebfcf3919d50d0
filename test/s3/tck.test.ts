import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { createBucketIfMissing, download, S3SnapshotStore, upload } from '../../src/s3/index.js';
import { snapshotStoreConformance } from '../../src/tck/index.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

const bucket = 'memento-tck';
let server: S3TestServer;
let client: S3Client;

beforeAll(async () => {
  server = await startS3Server();
  client = server.client();
  await createBucketIfMissing(client, bucket);
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

snapshotStoreConformance('s3', () => new S3SnapshotStore({ client, bucket, prefix: 'tck/' }), {
  damageSnapshot: async (store, persistenceId, sequenceNr) => {
    const key = await store.findKey(persistenceId, sequenceNr);
    const bytes = key && (await download(client, bucket, key));
    if (!key || !bytes) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await upload(client, bucket, key, bytes);
  },
});
