/**
 * `memento delete-snapshot <id> <seq>`: removes one (poisoned) snapshot, after asking.
 * @module
 */
import type { Command } from 'commander';
import { parseInteger } from '../arguments.js';
import { action } from '../context.js';
import { ExitCode } from '../errors.js';
import { type CliIo, printJson, println } from '../output.js';

/** Registers `delete-snapshot`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('delete-snapshot')
    .description('delete one snapshot of a persistence id (asks for confirmation unless --yes)')
    .argument('<id>', 'persistence id, as it is')
    .argument('<seq>', "the snapshot's sequence number")
    .option('-y, --yes', 'do not ask')
    .option('--json', 'print { deleted } as JSON')
    .action(
      action<{ yes?: boolean; json?: boolean }>(io, async (run, [persistenceId, seq], options) => {
        const id = persistenceId as string;
        const sequenceNr = parseInteger(seq as string, '<seq>');
        const inspection = await run.inspection('write');
        const view = (await inspection.snapshots(id)).find((snapshot) => snapshot.sequenceNr === sequenceNr);
        if (!view) {
          // The inspection's own check gives the one-line reason, listing the snapshots there are.
          await inspection.deleteSnapshot(id, sequenceNr);
        }
        if (!options.yes) {
          const what = view?.readable === false ? ` (cannot be read: ${view.problem?.message})` : '';
          const stores = await run.stores('write');
          if (!(await io.confirm(`delete snapshot #${sequenceNr} of ${JSON.stringify(id)}${what} from ${stores.snapshotsUrl}? [y/N] `))) {
            println(io, 'nothing deleted');
            run.exitCode = ExitCode.failure;
            return;
          }
        }
        await inspection.deleteSnapshot(id, sequenceNr);
        if (options.json) return printJson(io, { deleted: { persistenceId: id, sequenceNr } });
        println(io, `deleted snapshot #${sequenceNr} of ${JSON.stringify(id)}`);
      }),
    );
}
