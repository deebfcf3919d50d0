import { decodeHead } from '../../src/s3/head.js';
import { download, S3SnapshotStore, upload } from '../../src/s3/index.js';
import { snapshotStoreConformance } from '../../src/tck/index.js';
import { largePayloads } from '../support/large-payloads.js';
import { useS3Bucket } from '../support/s3-server.js';

const bucket = 'memento-tck';
const s3 = useS3Bucket(bucket);

const damageSnapshot = async (store: S3SnapshotStore, persistenceId: string, sequenceNr: number) => {
  const key = await store.findKey(persistenceId, sequenceNr);
  const bytes = key && (await download(s3.client, bucket, key));
  if (!key || !bytes) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
  await upload(s3.client, bucket, key, bytes);
  // A small newest snapshot is stored twice, the head holding the second copy: damage that one too.
  const head = key.replace(/[^/]+$/, 'head');
  const copy = await download(s3.client, bucket, head);
  if (copy && decodeHead(copy)?.key === key && decodeHead(copy)?.frame) {
    const at = copy.length - bytes.length + (bytes.length >> 1);
    copy[at] = (copy[at] ?? 0) ^ 0xff;
    await upload(s3.client, bucket, head, copy);
  }
};

snapshotStoreConformance('s3', (context) => new S3SnapshotStore({ ...context, client: s3.client, bucket, prefix: 'tck/' }), {
  ...largePayloads(),
  damageSnapshot,
});

// Loads that list first (the head is not trusted as the index) conform too.
snapshotStoreConformance(
  's3, headAsIndex: false',
  (context) => new S3SnapshotStore({ ...context, client: s3.client, bucket, prefix: 'tck-listed/', headAsIndex: false }),
  { ...largePayloads(), damageSnapshot },
);
