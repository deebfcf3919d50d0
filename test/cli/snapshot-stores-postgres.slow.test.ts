/**
 * A PostgreSQL journal with its snapshots in a separate store: `snapshots`, `verify` and
 * `import-recorder-json` with a `file:` store (in-process) and an S3 store on s3rver (the
 * built CLI as a child process, credentials from the AWS environment variables). The
 * SQLite-journal cases are snapshot-stores.test.ts and s3-snapshots.slow.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSnapshotStore } from '../../src/fs/index.js';
import { S3SnapshotStore, upload } from '../../src/s3/index.js';
import { seed } from '../inspect/seed.js';
import { useS3Bucket } from '../support/s3-server.js';
import { type Location, postgresBackend, withStores } from './backends.js';
import { DEFINITIONS, memento, mementoProcess, tempDir } from './harness.js';
import { recorderJson, reportsWrongAndDamagedS3, S3RVER_ENV, saveWrongSnapshot } from './snapshot-stores-support.js';

/** The seed's events in a fresh PostgreSQL schema; its snapshots go to `snapshotStore`. */
async function seededSchema(location: Location, snapshotStore: FileSnapshotStore | S3SnapshotStore): Promise<void> {
  await withStores(location, (stores) => seed({ journal: stores.journal, snapshotStore }));
}

// Several child processes per S3 test (Node start, tsx for the definitions, the AWS SDK).
describe('memento: a PostgreSQL journal with snapshots in a separate store', { timeout: 120_000 }, () => {
  const backend = postgresBackend();
  afterAll(() => backend.cleanup());
  const bucket = 'memento-cli-postgres';
  const s3 = useS3Bucket(bucket);

  it('file: snapshots lists a damaged one, verify reports it and a wrong one, recorder JSON is imported', async () => {
    const location = await backend.location('files');
    const directory = tempDir('pg-files');
    const store = new FileSnapshotStore({ directory, fsync: false });
    await seededSchema(location, store);
    const args = [...location.args, '--snapshots', `file:${directory}`, '--definitions', DEFINITIONS];
    expect(await memento(['verify', '--all', ...args])).toMatchObject({
      code: 0,
      stdout: 'verified 3 ids, 3 snapshots compared with 13 replayed events: all snapshots equal the replay\n',
    });

    await saveWrongSnapshot(store);
    writeFileSync((await store.pathOf('account|1', 5)) as string, 'not a snapshot');
    expect(JSON.parse((await memento(['snapshots', 'account|1', '--json', ...args])).stdout)).toMatchObject([
      { sequenceNr: 5, readable: false, problem: { code: 'MEMENTO_CORRUPT_SNAPSHOT' } },
      { sequenceNr: 10, readable: true, version: 1, serializer: 'json' },
    ]);
    const verified = await memento(['verify', 'account|1', ...args]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/DAMAGED "account\|1" #5: snapshot 5 of "account\|1" cannot be read/);
    expect(verified.stdout).toContain('    balance: snapshot 549, replay 550\n');

    const recorderFile = join(tempDir('pg-recorder'), 'forest.json');
    writeFileSync(recorderFile, recorderJson('6'));
    expect(await memento(['import-recorder-json', recorderFile, '--id', 'ledger', ...args])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^imported .*forest\.json as snapshot #6 of "ledger" .* into file:/),
    });
    expect(JSON.parse((await memento(['state', 'ledger', '--at', '6', '--json', ...args])).stdout)).toMatchObject({
      snapshotSequenceNr: 6,
      replayed: 0,
      state: { total: 21, entries: 6 },
    });
  });

  it('s3: snapshots lists a damaged one, verify reports it and a wrong one, recorder JSON is imported from s3://', async () => {
    const location = await backend.location('s3');
    const prefix = `pg-${Date.now()}`;
    const store = new S3SnapshotStore({ bucket, prefix, client: s3.client });
    await seededSchema(location, store);
    const endpoint = encodeURIComponent(s3.server.endpoint);
    const args = [
      ...location.args,
      '--snapshots',
      `s3://${bucket}/${prefix}?endpoint=${endpoint}&region=us-east-1`,
      '--definitions',
      DEFINITIONS,
    ];
    await reportsWrongAndDamagedS3(store, s3.client, bucket, args);
    await upload(s3.client, bucket, `${prefix}-forest.json`, Buffer.from(recorderJson('6')));
    const imported = await mementoProcess(
      ['import-recorder-json', `s3://${bucket}/${prefix}-forest.json?endpoint=${endpoint}`, '--id', 'ledger', ...args],
      { env: S3RVER_ENV },
    );
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining('as snapshot #6 of "ledger"') });
    const snapshots = JSON.parse((await mementoProcess(['snapshots', 'ledger', '--json', ...args], { env: S3RVER_ENV })).stdout);
    expect(snapshots.map((snapshot: { sequenceNr: number; readable: boolean }) => [snapshot.sequenceNr, snapshot.readable])).toEqual([
      [3, false],
      [6, true],
    ]);
  });
});
