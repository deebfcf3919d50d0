/**
 * `memento state <id> --at <seq|time>`: the state at a point, rebuilt from the nearest
 * usable snapshot, saying which snapshot and how many events were replayed.
 * @module
 */
import type { Command } from 'commander';
import type { Inspection, StateView } from '../../inspect/inspection.js';
import type { TimePoint } from '../../time-travel/point-in-time.js';
import { parseTimePoint } from '../arguments.js';
import { action, type CommandRun } from '../context.js';
import { CliError } from '../errors.js';
import { type CliIo, isoTime, jsonReplacer, plural, printJson, println } from '../output.js';
import { interruptible, startProgress } from '../progress.js';
import { requireKnownId } from './known-id.js';

/** The point `--at` names, or the latest one. */
export async function pointOf(run: CommandRun, persistenceId: string, at: string | undefined): Promise<TimePoint> {
  if (at !== undefined) return parseTimePoint(at);
  const stores = await run.stores('read');
  const highest = await stores.journal.highestSequenceNr(persistenceId);
  return { sequenceNr: highest > 0 ? highest : (await stores.durableStateStore.get(persistenceId)).revision };
}

/** Rebuilds with a progress bar and Ctrl-C. */
export async function rebuild(
  io: CliIo,
  inspection: Inspection,
  persistenceId: string,
  point: TimePoint,
  definition: string | undefined,
): Promise<StateView> {
  const { signal, release } = interruptible(io);
  const progress = startProgress(io, 'replaying', undefined);
  try {
    return await inspection.stateAt(persistenceId, point, {
      definition,
      signal,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
    release();
  }
}

/** How a state was rebuilt, in one line. */
export function provenance(view: StateView): string {
  const from = view.snapshotSequenceNr === null ? 'the initial state' : `snapshot #${view.snapshotSequenceNr}`;
  return `rebuilt by ${JSON.stringify(view.definition)} from ${from} + ${plural(view.replayed, 'event')} replayed`;
}

/** Registers `state`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('state')
    .description('rebuild the state of one persistence id at a sequence number or time (needs --definitions)')
    .argument('<id>', 'persistence id, as it is')
    .option('--at <point>', 'a sequence number (120) or an ISO-8601 time (2026-11-01T10:00:00Z); default: the latest')
    .option('--definition <name>', 'rebuild with this definition instead of the one the id names')
    .option('--json', 'JSON { persistenceId, definition, state, sequenceNr, timestamp, snapshotSequenceNr, replayed, skippedSnapshots }')
    .action(
      action<{ at?: string; definition?: string; json?: boolean }>(io, async (run, [persistenceId], options) => {
        const id = persistenceId as string;
        const point = options.at === undefined ? undefined : parseTimePoint(options.at);
        if (!(await run.definitions())) {
          throw new CliError(
            `rebuilding the state of ${JSON.stringify(id)} needs its definition: pass --definitions <module> (a module exporting defineEntity / defineDurableEntity / defineState results)`,
          );
        }
        const inspection = await run.inspection();
        await requireKnownId(run, inspection, id);
        const view = await rebuild(io, inspection, id, point ?? (await pointOf(run, id, undefined)), options.definition);
        if (options.json) return printJson(io, view);
        println(io, `${JSON.stringify(id)} at #${view.sequenceNr}${view.timestamp === undefined ? '' : ` (${isoTime(view.timestamp)})`}`);
        println(io, provenance(view));
        for (const skipped of view.skippedSnapshots ?? [])
          println(io, `passed over snapshot #${skipped.sequenceNr} (${skipped.reason}): ${skipped.message}`);
        println(io, JSON.stringify(view.state, jsonReplacer, 2));
      }),
    );
}
