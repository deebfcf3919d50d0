/**
 * `memento verify`: shadow replay of stored snapshots against the events; exit code 1
 * when a snapshot differs from the replay, is damaged, or cannot be checked.
 * @module
 */
import type { Command } from 'commander';
import type { VerifyProblem } from '../../inspect/inspection.js';
import type { StateDifference } from '../../time-travel/state-diff.js';
import { parseInteger } from '../arguments.js';
import { action } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { type CliIo, compact, plural, printJson, println } from '../output.js';
import { interruptible, startProgress } from '../progress.js';

/** A difference of the stored snapshot (before) from the replay (after), in words. */
function snapshotAgainstReplay(difference: StateDifference): string {
  const path = difference.path.length === 0 ? '(whole state)' : difference.path.join('.');
  if (difference.type === 'CREATE') return `${path}: missing in the snapshot, replay ${compact(difference.value)}`;
  if (difference.type === 'REMOVE') return `${path}: snapshot ${compact(difference.oldValue)}, missing in the replay`;
  return `${path}: snapshot ${compact(difference.oldValue)}, replay ${compact(difference.value)}`;
}

const LABEL: Record<VerifyProblem['kind'], string> = { mismatch: 'MISMATCH', damaged: 'DAMAGED', unverifiable: 'UNVERIFIABLE' };

/** Registers `verify`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description(
      'replay events with the current definitions and compare every stored snapshot (needs --definitions); exit code 1 when any differs or is damaged',
    )
    .argument('[ids...]', 'persistence ids to verify')
    .option('--all', 'verify every id of the journal')
    .option('--sample <n>', 'check at most N snapshots per id (spread evenly, the newest included)')
    .option('--json', 'JSON report { ok, idsChecked, snapshotsChecked, eventsReplayed, problems, unverified, interrupted }')
    .action(
      action<{ all?: boolean; sample?: string; json?: boolean }>(io, async (run, [ids], options) => {
        const given = (ids as string[] | undefined) ?? [];
        if (options.all && given.length > 0) throw new CliError('verify: give ids or --all, not both');
        if (!options.all && given.length === 0) throw new CliError('verify: give one or more ids, or --all');
        const sample = options.sample === undefined ? undefined : parseInteger(options.sample, '--sample', 1);
        if (!(await run.definitions())) {
          throw new CliError(
            'verify replays events with your code: pass --definitions <module> (a module exporting defineEntity / defineState results)',
          );
        }
        const inspection = await run.inspection();
        const { signal, release } = interruptible(io);
        const progress = startProgress(io, 'verifying', undefined);
        let report: Awaited<ReturnType<typeof inspection.verify>>;
        try {
          report = await inspection.verify(options.all ? 'all' : given, { sample, signal, onProgress: (done) => progress.update(done) });
        } finally {
          progress.stop();
          release();
        }
        run.exitCode = report.interrupted ? ExitCode.interrupted : report.ok ? ExitCode.ok : ExitCode.failure;
        if (options.json) return printJson(io, report);
        for (const problem of report.problems) {
          println(io, `${LABEL[problem.kind]} ${JSON.stringify(problem.persistenceId)} #${problem.sequenceNr}: ${problem.message}`);
          for (const difference of problem.differences ?? []) println(io, `    ${snapshotAgainstReplay(difference)}`);
        }
        for (const unverified of report.unverified ?? [])
          println(io, `baseline ${JSON.stringify(unverified.persistenceId)} #${unverified.sequenceNr}: ${unverified.reason}`);
        const counts = `${plural(report.idsChecked, 'id')}, ${plural(report.snapshotsChecked, 'snapshot')} compared with ${plural(report.eventsReplayed, 'replayed event')}`;
        const verdict = report.interrupted
          ? 'interrupted'
          : report.ok
            ? 'all snapshots equal the replay'
            : plural(report.problems.length, 'problem');
        println(io, `verified ${counts}: ${verdict}`);
      }),
    );
}
