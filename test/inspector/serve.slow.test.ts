import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { DEFINITIONS, mementoProcess, tempDir } from '../cli/harness.js';
import { accountAfter, seed } from '../inspect/seed.js';

async function seededStore(): Promise<{ directory: string; file: string }> {
  const directory = tempDir('serve');
  const file = join(directory, 'shop.db');
  const journal = new SqliteJournal(file);
  const snapshotStore = new SqliteSnapshotStore(file);
  await seed({ journal, snapshotStore });
  await snapshotStore.close();
  await journal.close();
  return { directory, file };
}

describe('memento serve (the built CLI)', () => {
  it('serves the inspector over the store it opens until Ctrl-C, read-only', async () => {
    const { directory } = await seededStore();
    const seen: { ids?: unknown; state?: unknown; deletion?: number } = {};
    let asked = false;
    const result = await mementoProcess(['serve', '--store', 'sqlite:shop.db', '--definitions', DEFINITIONS, '--port', '0'], {
      cwd: directory,
      onStdout: (text, child) => {
        const url = /open (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(text)?.[1];
        if (!url || asked) return;
        asked = true;
        const get = async (path: string, init?: RequestInit) => fetch(new URL(path, url), init);
        void (async () => {
          try {
            seen.ids = ((await (await get('/api/ids')).json()) as { ids: { persistenceId: string }[] }).ids.map((s) => s.persistenceId);
            seen.state = (
              (await (await get(`/api/entities/${encodeURIComponent('account|1')}/state?at=6`)).json()) as { state: unknown }
            ).state;
            seen.deletion = (await get(`/api/entities/${encodeURIComponent('account|1')}/snapshots/5`, { method: 'DELETE' })).status;
          } finally {
            child.kill('SIGINT');
          }
        })();
      },
    });
    expect(result.stdout).toMatch(/^memento inspector on http:\/\/127\.0\.0\.1:\d+\/ \(read-only\); Ctrl-C stops it\n/);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(seen.ids).toEqual(expect.arrayContaining(['account|1', 'account|2', 'ledger']));
    expect(seen.state).toEqual(accountAfter(6));
    expect(seen.deletion).toBe(403);
  });

  it('refuses a bad port, and binding beyond loopback without a token, in one line', async () => {
    const { directory } = await seededStore();
    expect(await mementoProcess(['serve', '--store', 'sqlite:shop.db', '--port', 'http'], { cwd: directory })).toMatchObject({
      code: 1,
      stderr: 'memento: --port: expected an integer from 0 to 65535, found "http"\n',
    });
    const open = await mementoProcess(['serve', '--store', 'sqlite:shop.db', '--host', '0.0.0.0', '--port', '0'], { cwd: directory });
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/^memento: --token: expected a token to bind "0\.0\.0\.0" .*found none\n$/);
  });
});
