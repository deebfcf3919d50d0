import { download, S3SnapshotStore, upload } from '../../src/s3/index.js';
import { snapshotStoreConformance } from '../../src/tck/index.js';
import { largePayloads } from '../support/large-payloads.js';
import { useS3Bucket } from '../support/s3-server.js';

const bucket = 'memento-tck';
const s3 = useS3Bucket(bucket);

snapshotStoreConformance('s3', (context) => new S3SnapshotStore({ ...context, client: s3.client, bucket, prefix: 'tck/' }), {
  ...largePayloads(),
  damageSnapshot: async (store, persistenceId, sequenceNr) => {
    const key = await store.findKey(persistenceId, sequenceNr);
    const bytes = key && (await download(s3.client, bucket, key));
    if (!key || !bytes) throw new Error(`no snapshot ${sequenceNr} of ${persistenceId} to damage`);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await upload(s3.client, bucket, key, bytes);
  },
});
