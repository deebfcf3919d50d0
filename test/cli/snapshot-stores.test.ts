/**
 * `snapshots`, `verify` and `import-recorder-json` with a separate snapshot store: files
 * (in-process) and S3 on s3rver (the built CLI as a child process, credentials from the
 * usual AWS environment variables).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileSnapshotStore } from '../../src/fs/index.js';
import { SnapshotMetadata, wrapSnapshotMetadata } from '../../src/index.js';
import { S3SnapshotStore, upload } from '../../src/s3/index.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { accountAfter, seed, timeOf } from '../inspect/seed.js';
import { S3RVER_CREDENTIALS, useS3Bucket } from '../support/s3-server.js';
import { DEFINITIONS, memento, mementoProcess, tempDir } from './harness.js';

/** The seed tutorial's recorder file for the `ledger` machine after 6 actions (its ids are not sequence numbers). */
const recorderJson = (id: string) =>
  JSON.stringify({ action: { id, type: 'add', payload: { amount: 6 }, timestamp: timeOf(6) }, state: { total: 21, entries: 6 } }, null, 2);

/** A SQLite journal with the seed's events; snapshots go to `snapshotStore`. */
async function seedWith(snapshotStore: FileSnapshotStore | S3SnapshotStore): Promise<string> {
  const file = join(tempDir('journal'), 'journal.db');
  const journal = new SqliteJournal(file);
  await seed({ journal, snapshotStore });
  await journal.close();
  return file;
}

/** Saves a snapshot of account|1 at 10 that the replay does not give. */
const saveWrongSnapshot = (store: FileSnapshotStore | S3SnapshotStore) =>
  store.save(
    new SnapshotMetadata({
      persistenceId: 'account|1',
      sequenceNr: 10,
      timestamp: timeOf(10),
      metadata: wrapSnapshotMetadata(1, undefined),
    }),
    {
      ...accountAfter(10),
      balance: 549,
    },
  );

describe('memento with a file snapshot store', () => {
  it('lists, verifies and imports recorder JSON into file snapshots', async () => {
    const directory = tempDir('files');
    const store = new FileSnapshotStore({ directory, fsync: false });
    const journal = await seedWith(store);
    const args = ['--store', `sqlite:${journal}`, '--snapshots', `file:${directory}`, '--definitions', DEFINITIONS];
    expect(await memento(['verify', '--all', ...args])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('all snapshots equal the replay'),
    });

    await saveWrongSnapshot(store);
    writeFileSync((await store.pathOf('account|1', 5)) as string, 'not a snapshot');
    const shown = await memento(['snapshots', 'account|1', '--json', ...args]);
    expect(JSON.parse(shown.stdout)).toMatchObject([
      { sequenceNr: 5, readable: false, problem: { code: 'MEMENTO_CORRUPT_SNAPSHOT' } },
      { sequenceNr: 10, readable: true, version: 1, serializer: 'json' },
    ]);
    const verified = await memento(['verify', 'account|1', ...args]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/DAMAGED "account\|1" #5: snapshot 5 of "account\|1" cannot be read/);
    expect(verified.stdout).toContain('MISMATCH "account|1" #10');
    expect(verified.stdout).toContain('    balance: snapshot 549, replay 550\n');

    const recorderFile = join(tempDir('recorder'), 'forest.json');
    writeFileSync(recorderFile, recorderJson('tx-6f1c'));
    expect(await memento(['import-recorder-json', recorderFile, '--id', 'ledger', ...args])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('the action id "tx-6f1c" is not a sequence number: pass --sequence-nr <n>'),
    });
    const imported = await memento(['import-recorder-json', recorderFile, '--id', 'ledger', '--sequence-nr', '6', ...args]);
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringMatching(/^imported .*forest\.json as snapshot #6 of "ledger"/) });
    expect(await memento(['import-recorder-json', recorderFile, '--id', 'ledger', '--sequence-nr', '6', ...args])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already has snapshot #6'),
    });
    expect(JSON.parse((await memento(['state', 'ledger', '--at', '6', '--json', ...args])).stdout)).toMatchObject({
      snapshotSequenceNr: 6,
      replayed: 0,
      state: { total: 21, entries: 6 },
    });
    expect(await memento(['verify', 'ledger', ...args])).toMatchObject({ code: 0 });
    // An id with snapshots and no events (a recorder file moved over on its own) is listed too.
    expect(await memento(['import-recorder-json', recorderFile, '--id', 'forest|only', '--sequence-nr', '6', ...args])).toMatchObject({
      code: 0,
    });
    const ids = JSON.parse((await memento(['ids', '--json', ...args])).stdout);
    expect(ids.map((summary: { persistenceId: string }) => summary.persistenceId)).toEqual([
      'account|1',
      'account|2',
      'forest|only',
      'ledger',
    ]);
    expect(ids[2]).toMatchObject({ highestSequenceNr: 0, eventCount: 0, snapshotCount: 1, lastWriteTimestamp: timeOf(6) });
    expect(await memento(['import-recorder-json', join(directory, 'nothing.json'), '--id', 'ledger', ...args])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no such file'),
    });
    expect(await memento(['import-recorder-json', recorderFile, ...args])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("required option '--id"),
    });
    expect(
      await memento(['snapshots', 'ledger', '--store', `sqlite:${journal}`, '--snapshots', `file:${join(directory, 'missing')}`]),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^memento: cannot open file:.*missing: no such directory/),
    });
  });
});

describe('memento with an S3 snapshot store (child process)', () => {
  const bucket = 'memento-cli';
  const s3 = useS3Bucket(bucket);
  const env = () => ({
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });

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
    expect(await mementoProcess(['verify', '--all', ...args], { env: env() })).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('3 snapshots compared'),
    });
  });

  it('reports a wrong and a damaged S3 snapshot', async () => {
    await saveWrongSnapshot(store);
    await upload(s3.client, bucket, (await store.findKey('ledger', 3)) as string, Buffer.from('garbage'));
    const listed = await mementoProcess(['snapshots', 'ledger', ...args], { env: env() });
    expect(listed.stdout).toMatch(/\n\s+3\s+2026-01-01T12:00:03.000Z\s+\d*\s*NO\s+MEMENTO_CORRUPT_SNAPSHOT/);
    const verified = await mementoProcess(['verify', '--all', '--json', ...args], { env: env() });
    expect(verified.code).toBe(1);
    expect(JSON.parse(verified.stdout).problems).toEqual([
      expect.objectContaining({
        persistenceId: 'account|1',
        sequenceNr: 10,
        kind: 'mismatch',
        differences: [{ type: 'CHANGE', path: ['balance'], oldValue: 549, value: 550 }],
      }),
      expect.objectContaining({ persistenceId: 'ledger', sequenceNr: 3, kind: 'damaged' }),
    ]);
  });

  it('imports recorder JSON from s3://bucket/key', async () => {
    await upload(s3.client, bucket, 'forest.json', Buffer.from(recorderJson('6')));
    const source = `s3://${bucket}/forest.json?endpoint=${encodeURIComponent(s3.server.endpoint)}`;
    const imported = await mementoProcess(['import-recorder-json', source, '--id', 'ledger', ...args], { env: env() });
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining('as snapshot #6 of "ledger"') });
    const listed = JSON.parse((await mementoProcess(['snapshots', 'ledger', '--json', ...args], { env: env() })).stdout);
    expect(listed.map((snapshot: { sequenceNr: number }) => snapshot.sequenceNr)).toEqual([3, 6]);
    // An id with S3 snapshots and no events is listed too.
    expect((await mementoProcess(['import-recorder-json', source, '--id', 'forest|only', ...args], { env: env() })).code).toBe(0);
    const ids = JSON.parse((await mementoProcess(['ids', '--json', ...args], { env: env() })).stdout);
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
        env: env(),
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
        env: env(),
      },
    );
    expect(noBucket).toMatchObject({ code: 2, stderr: expect.stringContaining('bucket "nobucket" does not exist') });
  });
});
