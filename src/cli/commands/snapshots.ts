/**
 * `memento snapshots <id>`: every snapshot, readable or not, and why not.
 * @module
 */
import type { Command } from 'commander';
import type { SnapshotView } from '../../inspect/inspection.js';
import { action } from '../context.js';
import { type CliIo, type Column, compact, isoTime, plural, printJson, println, table } from '../output.js';
import { requireKnownId } from './known-id.js';

const columns: Column<SnapshotView>[] = [
  { header: 'SEQ', cell: (row) => String(row.sequenceNr), right: true },
  { header: 'TIME', cell: (row) => isoTime(row.timestamp) },
  { header: 'VERSION', cell: (row) => (row.version === undefined ? '' : String(row.version)), right: true },
  { header: 'SIZE', cell: (row) => (row.size === undefined ? '' : String(row.size)), right: true },
  { header: 'SERIALIZER', cell: (row) => row.serializer ?? '' },
  { header: 'READABLE', cell: (row) => (row.readable ? 'yes' : 'NO') },
  { header: 'METADATA / PROBLEM', cell: (row) => (row.problem ? `${row.problem.code}: ${row.problem.message}` : compact(row.metadata)) },
];

/** Registers `snapshots`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('snapshots')
    .description('list every snapshot of one persistence id: metadata, size, serializer, version, and whether it can be read')
    .argument('<id>', 'persistence id, as it is')
    .option('--json', 'JSON array of snapshots')
    .action(
      action<{ json?: boolean }>(io, async (run, [persistenceId], options) => {
        const id = persistenceId as string;
        const inspection = await run.inspection();
        await requireKnownId(run, inspection, id);
        const snapshots = await inspection.snapshots(id);
        if (options.json) return printJson(io, snapshots);
        if (snapshots.length > 0) table(io, snapshots, columns);
        const damaged = snapshots.filter((snapshot) => !snapshot.readable).length;
        println(io, `${plural(snapshots.length, 'snapshot')}${damaged > 0 ? `, ${damaged} cannot be read` : ''}`);
      }),
    );
}
