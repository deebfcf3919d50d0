/**
 * `npm run demo` (a short run) ends by printing the one command that opens the inspector
 * on the demo's store, and that store answers the `memento` command line with the demo's
 * definitions (needs npm run build for the bin).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mementoProcess } from '../cli/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run demo', () => {
  it('ends by printing the command that opens the inspector on its store, and the CLI reads that store', { timeout: 180_000 }, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'memento-demo-'));
    const demo = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'examples/forest/main.ts',
        '--actions',
        '300',
        '--batch',
        '50',
        '--every',
        '100',
        '--travel',
        '20',
        '--dir',
        directory,
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FOREST_STORE: 'sqlite' } },
    );
    expect(demo.status, demo.stderr).toBe(0);
    // The replayed counts come from the reader's onProgress reports (its done report), not a counter of the demo's own.
    expect(demo.stdout).toMatch(/after a crash: .*\(snapshot at action #200 \+ 100 replayed actions\)/);
    expect(demo.stdout).toMatch(/3\. recovery without snapshots: .*\(all 300 actions replayed\)/);
    const lines = demo.stdout.trimEnd().split('\n');
    const command = (lines.at(-1) as string).trim();
    expect(lines.at(-2)).toMatch(/^5\. open this forest in the web inspector/);
    const match = /^npx memento serve --store (\S+) --definitions (\S+)$/.exec(command);
    expect(match, command).not.toBeNull();
    const [, store, definitions] = match as RegExpExecArray;
    const unquote = (text: string) => text.replace(/^'(.*)'$/, '$1');
    const ids = await mementoProcess(
      ['ids', '--json', '--store', unquote(store as string), '--definitions', unquote(definitions as string)],
      {
        cwd: ROOT,
      },
    );
    expect(ids.code, ids.stderr).toBe(0);
    expect(JSON.parse(ids.stdout).length).toBeGreaterThan(0);
  });
});
