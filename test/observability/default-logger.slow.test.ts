/**
 * The default logger as a user meets it: a process that gives no logger sees a failure
 * as one line on stderr, with its fields; `logger: false` prints nothing.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/failing-machine-child.ts', import.meta.url));
const run = (mode: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', child, mode]);

describe('the default logger', () => {
  it('prints a failure to stderr as one line with its fields when no logger is given', async () => {
    const { stdout, stderr } = await run('default');
    expect(stdout).toBe('state 0\n');
    const lines = stderr.split('\n').filter((line) => line.length > 0);
    expect(lines).toHaveLength(1);
    const [line] = lines as [string];
    expect(line).toMatch(/^\[memento\] ERROR \[machine\] .*the counter is broken/);
    const fields = JSON.parse(line.slice(line.indexOf(' {') + 1)) as Record<string, unknown>;
    expect(fields).toMatchObject({ machine: 'counter', actionId: 'a-1', actionType: 'increment' });
    expect(String(fields.error)).toContain('the counter is broken');
  });

  it('prints nothing with logger: false', async () => {
    const { stdout, stderr } = await run('silent');
    expect(stdout).toBe('state 0\n');
    expect(stderr).toBe('');
  });
});
