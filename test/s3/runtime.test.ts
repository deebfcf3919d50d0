/** The entity suite with snapshots in S3 (against the real S3-protocol server) and events in memory. */
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { MemoryJournal } from '../../src/index.js';
import { createBucketIfMissing, S3SnapshotStore } from '../../src/s3/index.js';
import { entitySuite } from '../runtime/entity-suite.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';

const bucket = 'memento-runtime';
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

entitySuite(
  's3 snapshots',
  async () => ({ journal: new MemoryJournal(), snapshotStore: new S3SnapshotStore({ client, bucket, prefix: 'runtime/' }) }),
  {
    propertyRuns: 10,
  },
);
