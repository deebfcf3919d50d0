/**
 * `snapshots`, `verify`, `ids` and `import-recorder-json` with a file snapshot store, in-process
 * (S3 on s3rver, through the built CLI: s3-snapshots.slow.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSnapshotStore } from '../../src/fs/index.js';
import { timeOf } from '../inspect/seed.js';
import { DEFINITIONS, memento, tempDir } from './harness.js';
import { recorderJson, saveWrongSnapshot, seedWith } from './snapshot-stores-support.js';

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
