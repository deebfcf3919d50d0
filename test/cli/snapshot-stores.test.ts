/**
 * `snapshots`, `verify` and `import-recorder-json` with a separate snapshot store of files,
 * in-process. The same commands on S3 through the built CLI are in
 * s3-snapshot-store.slow.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSnapshotStore } from '../../src/fs/index.js';
import { DEFINITIONS, memento, tempDir } from './harness.js';
import { recorderJson, saveWrongSnapshot, seedWith } from './snapshot-seed.js';

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
