/**
 * Settings from memento.config.{mjs,js,json} and the environment, through the built CLI as
 * a child process (how a user's config module is really imported): the store, the
 * definitions and the encryption keys of an encrypted store from a config module; the
 * environment over the file and flags over both; a bad config file as one line.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Serialization } from '../../src/index.js';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { accountAfter, seed } from '../inspect/seed.js';
import { DEFINITIONS, mementoProcess, tempDir } from './harness.js';

/** The seed in `file`, written with `serialization`. */
async function seededFile(file: string, serialization: Serialization): Promise<void> {
  const journal = new SqliteJournal(file, { serialization });
  const snapshotStore = new SqliteSnapshotStore(file, { serialization });
  const durableStateStore = new SqliteDurableStateStore(file, { serialization });
  await seed({ journal, snapshotStore, durableStateStore });
  await Promise.all([snapshotStore.close(), durableStateStore.close()]);
  await journal.close();
}

const ids = (stdout: string): string[] => (JSON.parse(stdout) as { persistenceId: string }[]).map((summary) => summary.persistenceId);

// Several child processes per test (Node start, tsx for the definitions): seconds each on a loaded machine.
describe('memento settings from config files and the environment (child process)', { timeout: 120_000 }, () => {
  it('memento.config.mjs gives the store, the definitions and the keys of an encrypted store', async () => {
    const directory = tempDir('config-mjs');
    const key = randomBytes(32).toString('base64');
    await seededFile(join(directory, 'secret.db'), new Serialization({ encryption: { keys: { k1: key }, activeKeyId: 'k1' } }));
    writeFileSync(
      join(directory, 'memento.config.mjs'),
      `export default {\n  store: 'sqlite:./secret.db',\n  definitions: ${JSON.stringify(DEFINITIONS)},\n  serialization: { encryption: { keys: { k1: ${JSON.stringify(key)} }, activeKeyId: 'k1' } },\n};\n`,
    );
    const state = await mementoProcess(['state', 'account|1', '--at', '7', '--json'], { cwd: directory });
    expect(state.code, state.stderr).toBe(0);
    expect(JSON.parse(state.stdout)).toMatchObject({ state: accountAfter(7), snapshotSequenceNr: 5, replayed: 2 });
    expect(await mementoProcess(['verify', '--all'], { cwd: directory })).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('all snapshots equal the replay'),
    });

    // The same file without the keys: the events cannot be decoded, in one line naming the id.
    const elsewhere = tempDir('config-none');
    const withoutKeys = await mementoProcess(['events', 'account|1'], {
      cwd: elsewhere,
      env: { MEMENTO_STORE: `sqlite:${join(directory, 'secret.db')}` },
    });
    expect(withoutKeys.code).toBe(1);
    expect(withoutKeys.stderr).toMatch(/^memento: .*account\|1.*\n$/);
  });

  it('memento.config.js and memento.config.json; the environment wins over the file, flags over both', async () => {
    const directory = tempDir('config-js');
    const serialization = new Serialization();
    await seededFile(join(directory, 'a.db'), serialization);
    mkdirSync(join(directory, 'b'));
    const other = join(directory, 'b', 'b.db');
    const journal = new SqliteJournal(other);
    await journal.write([{ persistenceId: 'only-in-b', events: [{ persistenceId: 'only-in-b', sequenceNr: 1, timestamp: 1, event: 1 }] }]);
    await journal.close();

    // CommonJS, as a memento.config.js is in a project without "type": "module".
    writeFileSync(join(directory, 'memento.config.js'), "module.exports = { store: 'sqlite:./a.db' };\n");
    const fromJs = await mementoProcess(['ids', '--json'], { cwd: directory });
    expect(fromJs.code, fromJs.stderr).toBe(0);
    expect(ids(fromJs.stdout)).toEqual(['account|1', 'account|2', 'ledger', 'profile|1']);
    const fromEnv = await mementoProcess(['ids', '--json'], { cwd: directory, env: { MEMENTO_STORE: `sqlite:${other}` } });
    expect(ids(fromEnv.stdout)).toEqual(['only-in-b']);
    const fromFlag = await mementoProcess(['ids', '--json', '--store', 'sqlite:./a.db'], {
      cwd: directory,
      env: { MEMENTO_STORE: `sqlite:${other}` },
    });
    expect(ids(fromFlag.stdout)).toEqual(['account|1', 'account|2', 'ledger', 'profile|1']);

    const jsonDirectory = tempDir('config-json');
    writeFileSync(join(jsonDirectory, 'memento.config.json'), JSON.stringify({ store: `sqlite:${other}` }));
    expect(ids((await mementoProcess(['ids', '--json'], { cwd: jsonDirectory })).stdout)).toEqual(['only-in-b']);
  });

  it('a bad config file, or no store anywhere, is one line and exit code 1', async () => {
    const unknownKey = tempDir('config-bad');
    writeFileSync(join(unknownKey, 'memento.config.json'), JSON.stringify({ stor: 'sqlite:./a.db' }));
    expect(await mementoProcess(['ids'], { cwd: unknownKey })).toMatchObject({
      code: 1,
      stderr: 'memento: memento.config.json: unknown setting "stor" (expected store, schema, snapshots, definitions, serialization)\n',
    });
    const notJson = tempDir('config-broken');
    writeFileSync(join(notJson, 'memento.config.json'), '{ store: ');
    const broken = await mementoProcess(['ids'], { cwd: notJson });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^memento: memento\.config\.json: cannot be read: .*\n$/);
    const throwing = tempDir('config-throws');
    writeFileSync(join(throwing, 'memento.config.mjs'), "throw new Error('no secrets here');\n");
    expect(await mementoProcess(['ids'], { cwd: throwing })).toMatchObject({
      code: 1,
      stderr: 'memento: memento.config.mjs: cannot be read: no secrets here\n',
    });
    expect(await mementoProcess(['ids'], { cwd: tempDir('config-empty') })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^memento: no store given: pass --store .*MEMENTO_STORE.*\n$/),
    });
  });
});
