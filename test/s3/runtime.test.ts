import { MemoryJournal } from '../../src/index.js';
import { S3SnapshotStore } from '../../src/s3/index.js';
import { entitySuite } from '../runtime/entity-suite.js';
import { useS3Bucket } from '../support/s3-server.js';

const bucket = 'memento-runtime';
const s3 = useS3Bucket(bucket);

entitySuite(
  's3 snapshots',
  async () => ({ journal: new MemoryJournal(), snapshotStore: new S3SnapshotStore({ client: s3.client, bucket, prefix: 'runtime/' }) }),
  {
    propertyRuns: 10,
  },
);
