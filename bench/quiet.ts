/**
 * The wait at the start of `npm run bench` for a quiet machine: other processes' CPU use
 * moves every figure (a run that started at load average 1.80 missed targets a quiet one met),
 * so a run first waits, up to a limit, for the 1-minute load average to fall below a threshold,
 * and the report records what it started from. `--no-quiet-wait` skips it.
 * @module
 */
import os from 'node:os';

/** What the wait found, for the report's "Run" table. */
export interface QuietWait {
  /** Load averages (1, 5, 15 minutes) when the wait began. */
  readonly loadavgBefore: number[];
  /** Seconds waited. */
  readonly waitedSeconds: number;
  /** Whether the 1-minute load average fell below the threshold before the limit. */
  readonly quiet: boolean;
}

/** Options of waitForQuiet; `pollMs` and `loadavg` let a test run it without waiting on the real machine. */
export interface QuietOptions {
  readonly threshold: number;
  readonly maxSeconds: number;
  readonly log: (line: string) => void;
  readonly pollMs?: number;
  readonly loadavg?: () => number[];
}

/** Waits until the 1-minute load average is below `threshold` or `maxSeconds` have passed, saying what it waits for. */
export async function waitForQuiet(options: QuietOptions): Promise<QuietWait> {
  const loadavg = options.loadavg ?? os.loadavg;
  const pollMs = options.pollMs ?? 5000;
  const loadavgBefore = loadavg();
  const started = performance.now();
  const waited = () => (performance.now() - started) / 1000;
  let now = loadavgBefore[0] ?? 0;
  if (now < options.threshold) return { loadavgBefore, waitedSeconds: 0, quiet: true };
  options.log(
    `waiting up to ${options.maxSeconds} s for the 1-minute load average (${now.toFixed(2)}) to fall below ${options.threshold} (--no-quiet-wait skips this)`,
  );
  let lastReport = 0;
  while (waited() < options.maxSeconds) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, (options.maxSeconds - waited()) * 1000))));
    now = loadavg()[0] ?? 0;
    if (now < options.threshold) {
      options.log(`load average ${now.toFixed(2)} after ${waited().toFixed(0)} s: starting`);
      return { loadavgBefore, waitedSeconds: waited(), quiet: true };
    }
    if (waited() - lastReport >= 15 && waited() < options.maxSeconds) {
      lastReport = waited();
      options.log(`load average still ${now.toFixed(2)} after ${waited().toFixed(0)} s`);
    }
  }
  options.log(`load average still ${now.toFixed(2)} after ${options.maxSeconds} s: measuring anyway (the report records it)`);
  return { loadavgBefore, waitedSeconds: waited(), quiet: false };
}
