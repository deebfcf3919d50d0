/**
 * `memento diff <id> <a> <b>`: what changed between two points.
 * @module
 */
import type { Command } from 'commander';
import type { TimePoint } from '../../time-travel/point-in-time.js';
import { diffStates, type StateDifference, summarizeDiff } from '../../time-travel/state-diff.js';
import { describePoint, parseTimePoint } from '../arguments.js';
import { action } from '../context.js';
import { CliError } from '../errors.js';
import { type CliIo, compact, printJson, println } from '../output.js';
import { requireKnownId } from './known-id.js';
import { provenance, rebuild } from './state.js';

const pathOf = (difference: StateDifference) => (difference.path.length === 0 ? '(whole state)' : difference.path.join('.'));

/** One difference per line: `+ path: value`, `- path: old`, `~ path: old → new`. */
export function describeDifference(difference: StateDifference): string {
  if (difference.type === 'CREATE') return `+ ${pathOf(difference)}: ${compact(difference.value)}`;
  if (difference.type === 'REMOVE') return `- ${pathOf(difference)}: ${compact(difference.oldValue)}`;
  return `~ ${pathOf(difference)}: ${compact(difference.oldValue)} → ${compact(difference.value)}`;
}

/** Registers `diff`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('diff')
    .description('the structured diff of one persistence id between two points (needs --definitions)')
    .argument('<id>', 'persistence id, as it is')
    .argument('<a>', 'from: a sequence number or an ISO-8601 time')
    .argument('<b>', 'to: a sequence number or an ISO-8601 time')
    .option('--definition <name>', 'rebuild with this definition instead of the one the id names')
    .option('--json', 'JSON { from, to, differences }')
    .action(
      action<{ definition?: string; json?: boolean }>(io, async (run, [persistenceId, a, b], options) => {
        const id = persistenceId as string;
        const from = parseTimePoint(a as string, '<a>');
        const to = parseTimePoint(b as string, '<b>');
        if (!(await run.definitions())) {
          throw new CliError(
            `diffing the state of ${JSON.stringify(id)} needs its definition: pass --definitions <module> (a module exporting defineEntity / defineDurableEntity / defineState results)`,
          );
        }
        const inspection = await run.inspection();
        await requireKnownId(run, inspection, id);
        const before = await rebuild(io, inspection, id, from, options.definition);
        const after = await rebuild(io, inspection, id, to, options.definition);
        const differences = diffStates(before.state, after.state);
        if (options.json) return printJson(io, { from: before, to: after, differences });
        const { created, removed, changed } = summarizeDiff(differences);
        const shown = (point: TimePoint, sequenceNr: number) =>
          'sequenceNr' in point ? `#${sequenceNr}` : `${describePoint(point)} (#${sequenceNr})`;
        println(
          io,
          `${JSON.stringify(id)} ${shown(from, before.sequenceNr)} → ${shown(to, after.sequenceNr)}: ${created} created, ${removed} removed, ${changed} changed`,
        );
        println(io, `  from: ${provenance(before)}`);
        println(io, `  to:   ${provenance(after)}`);
        for (const difference of differences) println(io, describeDifference(difference));
      }),
    );
}
