/**
 * `snapshots`, `verify`, `ids` and `import-recorder-json` with an S3 snapshot store on
 * s3rver: the built CLI as a child process, credentials from the usual AWS environment
 * variables (slow tier: needs npm run build).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { S3SnapshotStore, upload } from '../../src/s3/index.js';
import { useS3Bucket } from '../support/s3-server.js';
import { DEFINITIONS, mementoProcess } from './harness.js';
import { recorderJson, reportsWrongAndDamagedS3, S3RVER_ENV, seedWith } from './snapshot-stores-support.js';

// Each test runs several child processes (Node start, tsx for the definitions, the AWS SDK): seconds each on a loaded machine.
describe('memento with an S3 snapshot store (child process)', { timeout: 120_000 }, () => {
  const bucket = 'memento-cli';
  const s3 = useS3Bucket(bucket);

  let store: S3SnapshotStore;
  let journal: string;
  let args: string[];
  beforeAll(async () => {
    const prefix = `run-${Date.now()}`;
    store = new S3SnapshotStore({ bucket, prefix, client: s3.client });
    journal = await seedWith(store);
    const snapshots = `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(s3.server.endpoint)}&region=us-east-1`;
    args = ['--store', `sqlite:${journal}`, '--snapshots', snapshots, '--definitions', DEFINITIONS];
  });

  it('verifies sound S3 snapshots', async () => {
    expect(await mementoProcess(['verify', '--all', ...args], { env: S3RVER_ENV })).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('3 snapshots compared'),
    });
  });

  it('reports a wrong and a damaged S3 snapshot', async () => {
    await reportsWrongAndDamagedS3(store, s3.client, bucket, args);
  });

  it('imports recorder JSON from s3://bucket/key', async () => {
    await upload(s3.client, bucket, 'forest.json', Buffer.from(recorderJson('6')));
    const source = `s3://${bucket}/forest.json?endpoint=${encodeURIComponent(s3.server.endpoint)}`;
    const imported = await mementoProcess(['import-recorder-json', source, '--id', 'ledger', ...args], { env: S3RVER_ENV });
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining('as snapshot #6 of "ledger"') });
    const listed = JSON.parse((await mementoProcess(['snapshots', 'ledger', '--json', ...args], { env: S3RVER_ENV })).stdout);
    expect(listed.map((snapshot: { sequenceNr: number }) => snapshot.sequenceNr)).toEqual([3, 6]);
    // An id with S3 snapshots and no events is listed too.
    expect((await mementoProcess(['import-recorder-json', source, '--id', 'forest|only', ...args], { env: S3RVER_ENV })).code).toBe(0);
    const ids = JSON.parse((await mementoProcess(['ids', '--json', ...args], { env: S3RVER_ENV })).stdout);
    expect(ids.map((summary: { persistenceId: string }) => summary.persistenceId)).toEqual([
      'account|1',
      'account|2',
      'forest|only',
      'ledger',
    ]);
    expect(ids[2]).toMatchObject({ highestSequenceNr: 0, snapshotCount: 1 });
  });

  it('names a missing object and a missing bucket', async () => {
    const missing = await mementoProcess(
      ['import-recorder-json', `s3://${bucket}/nothing.json?endpoint=${encodeURIComponent(s3.server.endpoint)}`, '--id', 'ledger', ...args],
      {
        env: S3RVER_ENV,
      },
    );
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('no such object') });
    const noBucket = await mementoProcess(
      [
        'snapshots',
        'ledger',
        '--store',
        `sqlite:${journal}`,
        '--snapshots',
        `s3://nobucket/x?endpoint=${encodeURIComponent(s3.server.endpoint)}`,
      ],
      {
        env: S3RVER_ENV,
      },
    );
    expect(noBucket).toMatchObject({ code: 2, stderr: expect.stringContaining('bucket "nobucket" does not exist') });
  });
});
