/**
 * Progress for long phases: a cli-progress bar on a terminal, a few plain lines otherwise
 * (CI logs, pipes).
 */
import cliProgress from 'cli-progress';

/** Reports progress of one phase. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** A bar when stdout is a TTY, else a line at every quarter. */
export function startProgress(label: string, total: number): Progress {
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `   ${label.padEnd(22)} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let reported = 0;
  return {
    update(done) {
      const quarter = Math.floor((done / Math.max(total, 1)) * 4);
      if (quarter > reported && quarter < 4) {
        reported = quarter;
        console.log(`   ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
      }
    },
    stop() {},
  };
}
