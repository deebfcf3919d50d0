/**
 * What the snapshot store tests share: the seed in a SQLite journal with snapshots in
 * another store, a recorder file, a snapshot the replay does not give, and the check that
 * the CLI reports a wrong and a damaged S3 snapshot.
 */
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { FileSnapshotStore } from '../../src/fs/index.js';
import { SnapshotMetadata, wrapSnapshotMetadata } from '../../src/index.js';
import { type S3SnapshotStore, upload } from '../../src/s3/index.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { accountAfter, seed, timeOf } from '../inspect/seed.js';
import { S3RVER_CREDENTIALS } from '../support/s3-server.js';
import { mementoProcess, tempDir } from './harness.js';

/** A CLI child process's environment for s3rver: its credentials in the AWS SDK's variables. */
export const S3RVER_ENV = {
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
};

/** The seed tutorial's recorder file for the `ledger` machine after 6 actions (its ids are not sequence numbers). */
export const recorderJson = (id: string) =>
  JSON.stringify({ action: { id, type: 'add', payload: { amount: 6 }, timestamp: timeOf(6) }, state: { total: 21, entries: 6 } }, null, 2);

/** A SQLite journal with the seed's events; snapshots go to `snapshotStore`. */
export async function seedWith(snapshotStore: FileSnapshotStore | S3SnapshotStore): Promise<string> {
  const file = join(tempDir('journal'), 'journal.db');
  const journal = new SqliteJournal(file);
  await seed({ journal, snapshotStore });
  await journal.close();
  return file;
}

/** Saves a snapshot of account|1 at 10 that the replay does not give. */
export const saveWrongSnapshot = (store: FileSnapshotStore | S3SnapshotStore) =>
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

/**
 * Saves the wrong snapshot and damages ledger's at 3 in `store` (on s3rver), then checks
 * that `snapshots` lists the damaged one and `verify --all --json` reports both; `args`
 * name the journal, the snapshot store and the definitions.
 */
export async function reportsWrongAndDamagedS3(store: S3SnapshotStore, client: S3Client, bucket: string, args: readonly string[]) {
  await saveWrongSnapshot(store);
  await upload(client, bucket, (await store.findKey('ledger', 3)) as string, Buffer.from('garbage'));
  const listed = await mementoProcess(['snapshots', 'ledger', ...args], { env: S3RVER_ENV });
  expect(listed.stdout).toMatch(/\n\s+3\s+2026-01-01T12:00:03.000Z\s+\d*\s*NO\s+MEMENTO_CORRUPT_SNAPSHOT/);
  const verified = await mementoProcess(['verify', '--all', '--json', ...args], { env: S3RVER_ENV });
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
}
