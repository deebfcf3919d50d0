/**
 * Progress bars on a terminal (cli-progress, on stderr); nothing when output is piped, so
 * scripts see only results, unless MEMENTO_PROGRESS=lines asks for plain progress lines
 * (for logs and CI, and how the interruption tests see a run under way).
 * @module
 */
import cliProgress from 'cli-progress';
import type { CliIo } from './output.js';

/** A running progress display. */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const silent: Progress = { update: () => {}, stop: () => {} };

/** Plain lines wait this long after the previous one, so a log gets a few lines, not one per event. */
const LINE_INTERVAL_MS = 1000;

/** `<label> <done>[/<total>] <unit>` on stderr: the first update, then at most one a second. */
function progressLines(io: CliIo, label: string, total: number | undefined, unit: string): Progress {
  let known = total;
  let last = Number.NEGATIVE_INFINITY;
  return {
    update(done, newTotal) {
      known = newTotal ?? known;
      const now = Date.now();
      if (now - last < LINE_INTERVAL_MS) return;
      last = now;
      io.stderr.write(`${label} ${done}${known === undefined ? '' : `/${known}`} ${unit}\n`);
    },
    stop: () => {},
  };
}

/**
 * A bar labelled `label`, drawn only when stderr is a terminal (or plain lines when
 * MEMENTO_PROGRESS=lines). Until a total is known the bar stays empty and shows the count
 * and the time so far: a full bar, a total of 0 or a percentage would all claim the end.
 */
export function startProgress(io: CliIo, label: string, total: number | undefined, unit = 'events'): Progress {
  if (!io.interactive) return io.env.MEMENTO_PROGRESS === 'lines' ? progressLines(io, label, total, unit) : silent;
  let known = total;
  const withTotal = `${label} [{bar}] {value}/{total} ${unit} {percentage}% {eta_formatted}`;
  const withoutTotal = `${label} [{bar}] {value} ${unit} {duration_formatted}`;
  const format: cliProgress.GenericFormatter = (options, params, payload) =>
    known === undefined
      ? cliProgress.Format.Formatter({ ...options, format: withoutTotal }, { ...params, progress: 0 }, payload)
      : cliProgress.Format.Formatter({ ...options, format: withTotal }, params, payload);
  const bar = new cliProgress.SingleBar(
    { stream: io.stderr, format, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  // cli-progress needs a number; the formatter above ignores it while `known` is undefined.
  bar.start(known ?? 0, 0);
  return {
    update(done, newTotal) {
      if (newTotal !== undefined && newTotal !== known) {
        known = newTotal;
        bar.setTotal(newTotal);
      }
      if (known !== undefined && done > known) {
        // More done than the total said: the total follows.
        known = done;
        bar.setTotal(done);
      }
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

/**
 * An AbortSignal that fires on the first Ctrl-C, so a long operation stops at the next
 * event and prints what it did; a second Ctrl-C leaves at once.
 */
export function interruptible(io: CliIo): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const release = io.onInterrupt(() => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
  return { signal: controller.signal, release };
}
