/**
 * The progress display itself: a cli-progress bar on a terminal (stderr that says it is a
 * TTY), plain lines with MEMENTO_PROGRESS=lines, nothing when piped.
 */
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/output.js';
import { startProgress } from '../../src/cli/progress.js';

/** An io whose stderr is a terminal when `interactive`; `text()` is what stderr got so far. */
function terminalIo(interactive: boolean, env: NodeJS.ProcessEnv = {}) {
  const stderr = Object.assign(new PassThrough(), { isTTY: interactive, columns: 100 });
  let text = '';
  const waiters: (() => void)[] = [];
  stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  const io: CliIo = {
    stdout: new PassThrough(),
    stderr,
    stdin: Readable.from(['']),
    interactive,
    columns: 100,
    env,
    cwd: process.cwd(),
    confirm: async () => false,
    onInterrupt: () => () => {},
  };
  /** Resolves once stderr has received text matching `pattern` (the bar redraws on its own timer). */
  const shows = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(text)) await new Promise<void>((wake) => waiters.push(wake));
  };
  return { io, text: () => text, shows };
}

describe('progress on a terminal', () => {
  it('draws a bar with the label, counts, percentage and unit, grows an unknown total, and clears it at the end', async () => {
    const { io, text, shows } = terminalIo(true);
    const progress = startProgress(io, 'exporting', 1000, 'ids');
    await shows(/exporting \[░+\] 0\/1000 ids 0%/);
    progress.update(500);
    await shows(/exporting \[█{20}░{20}\] 500\/1000 ids 50%/);
    // More done than the total said: the total follows.
    progress.update(1200);
    await shows(/1200\/1200 ids 100%/);
    progress.stop();
    await shows(/\u001b\[2K$/);
    expect(text()).toContain('\u001b[?25l'); // the cursor hidden while drawing...
    expect(text()).toContain('\u001b[?25h'); // ...and shown again
  });

  it('keeps the bar empty, without a total or percentage, until a total is known', async () => {
    const { io, text, shows } = terminalIo(true);
    const progress = startProgress(io, 'verifying', undefined);
    await shows(/verifying \[░{40}\] 0 events 0s/);
    progress.update(5000);
    await shows(/verifying \[░{40}\] 5000 events/);
    expect(text()).not.toMatch(/█|\/0 |%/);
    progress.update(10, 40);
    await shows(/verifying \[█{10}░{30}\] 10\/40 events 25%/);
    progress.stop();
  });

  it('writes plain lines with MEMENTO_PROGRESS=lines when not a terminal, and nothing otherwise', () => {
    const lines = terminalIo(false, { MEMENTO_PROGRESS: 'lines' });
    const progress = startProgress(lines.io, 'importing', 50, 'records');
    progress.update(5);
    progress.stop();
    expect(lines.text()).toBe('importing 5/50 records\n');

    const piped = terminalIo(false);
    const silent = startProgress(piped.io, 'importing', 50, 'records');
    silent.update(5);
    silent.stop();
    expect(piped.text()).toBe('');
  });
});
