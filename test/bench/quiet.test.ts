import { describe, expect, it } from 'vitest';
import { waitForQuiet } from '../../bench/quiet.js';

describe('bench waitForQuiet', () => {
  it('starts at once on a quiet machine', async () => {
    const lines: string[] = [];
    const wait = await waitForQuiet({ threshold: 0.5, maxSeconds: 60, log: (line) => lines.push(line), loadavg: () => [0.2, 0.3, 0.4] });
    expect(wait).toEqual({ loadavgBefore: [0.2, 0.3, 0.4], waitedSeconds: 0, quiet: true });
    expect(lines).toEqual([]);
  });

  it('waits until the 1-minute load average falls below the threshold, saying so', async () => {
    const loads = [1.8, 1.2, 0.4];
    const lines: string[] = [];
    const wait = await waitForQuiet({
      threshold: 0.5,
      maxSeconds: 60,
      pollMs: 1,
      log: (line) => lines.push(line),
      loadavg: () => [loads.shift() ?? 0.4, 1, 1],
    });
    expect(wait.quiet).toBe(true);
    expect(wait.loadavgBefore[0]).toBe(1.8);
    expect(lines[0]).toContain('(1.80) to fall below 0.5');
    expect(lines.at(-1)).toContain('load average 0.40');
  });

  it('gives up after maxSeconds and says it measures anyway', async () => {
    const lines: string[] = [];
    const wait = await waitForQuiet({
      threshold: 0.5,
      maxSeconds: 0.05,
      pollMs: 5,
      log: (line) => lines.push(line),
      loadavg: () => [3, 3, 3],
    });
    expect(wait.quiet).toBe(false);
    expect(wait.waitedSeconds).toBeGreaterThanOrEqual(0.04);
    expect(lines.at(-1)).toContain('measuring anyway');
  });
});
