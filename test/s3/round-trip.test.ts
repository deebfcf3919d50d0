/** Snapshots saved in an S3 bucket read back exactly, or are refused with nothing stored. */
import { randomUUID } from 'node:crypto';
import { MemoryJournal } from '../../src/index.js';
import { S3SnapshotStore } from '../../src/s3/index.js';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';
import { useS3Bucket } from '../support/s3-server.js';

const bucket = 'memento-round-trip';
const s3 = useS3Bucket(bucket);

storeRoundTripSuite(
  's3',
  async () => {
    const snapshotStore = new S3SnapshotStore({ client: s3.client, bucket, prefix: `${randomUUID()}/` });
    return { journal: new MemoryJournal(), snapshotStore, close: () => snapshotStore.close() };
  },
  ['snapshots', 'entity'],
  20,
);
