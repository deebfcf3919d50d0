/**
 * `memento events <id>`: decoded events with sequence number, time, tags, writer and
 * metadata; `--follow` tails new ones until Ctrl-C.
 * @module
 */
import type { Command } from 'commander';
import { MAX_SEQUENCE_NR } from '../../core/validation.js';
import type { EventView } from '../../inspect/inspection.js';
import { parseInteger } from '../arguments.js';
import { action } from '../context.js';
import { CliError } from '../errors.js';
import { type CliIo, type Column, compact, isoTime, jsonReplacer, plural, table } from '../output.js';
import { interruptible } from '../progress.js';
import { requireKnownId } from './known-id.js';

/** Events read per page while printing. */
const PAGE = 1000;

const always: Column<EventView>[] = [
  { header: 'SEQ', cell: (row) => String(row.sequenceNr), right: true },
  { header: 'TIME', cell: (row) => isoTime(row.timestamp) },
];
const optional: Column<EventView>[] = [
  { header: 'MANIFEST', cell: (row) => row.manifest ?? '' },
  { header: 'TAGS', cell: (row) => (row.tags ?? []).join(',') },
  { header: 'WRITER', cell: (row) => row.writerId ?? '' },
  { header: 'METADATA', cell: (row) => compact(row.metadata) },
];
const eventColumn: Column<EventView> = { header: 'EVENT', cell: (row) => compact(row.event) };

/** Columns for a page: the optional ones only when some row has a value. */
const columnsFor = (rows: readonly EventView[]) => [
  ...always,
  ...optional.filter((column) => rows.some((row) => column.cell(row) !== '')),
  eventColumn,
];

interface EventsOptions {
  from?: string;
  to?: string;
  limit?: string;
  follow?: boolean;
  json?: boolean;
}

/** Registers `events`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('events')
    .description('show the decoded events of one persistence id')
    .argument('<id>', 'persistence id, as it is (quote it for the shell)')
    .option('--from <n>', 'first sequence number', '1')
    .option('--to <n>', 'last sequence number')
    .option('--limit <n>', 'at most this many events')
    .option('--follow', 'then keep printing new events as they are written, until Ctrl-C')
    .option('--json', 'JSON array of events (with --follow: one JSON object per line)')
    .action(
      action<EventsOptions>(io, async (run, [persistenceId], options) => {
        const id = persistenceId as string;
        const from = parseInteger(options.from ?? '1', '--from');
        const to = options.to === undefined ? MAX_SEQUENCE_NR : parseInteger(options.to, '--to');
        const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : parseInteger(options.limit, '--limit', 1);
        if (to < from) throw new CliError(`--to ${to}: expected at least --from ${from}`);
        if (options.follow && options.to !== undefined) throw new CliError('--follow tails new events: it cannot be combined with --to');
        const inspection = await run.inspection();
        await requireKnownId(run, inspection, id);
        let printed = 0;
        let next = from;
        const print = (rows: EventView[], first: boolean) => {
          if (options.json && options.follow) for (const row of rows) io.stdout.write(`${JSON.stringify(row, jsonReplacer)}\n`);
          else if (options.json)
            for (const [index, row] of rows.entries())
              io.stdout.write(`${first && index === 0 ? '\n' : ',\n'}  ${JSON.stringify(row, jsonReplacer)}`);
          else table(io, rows, columnsFor(rows), { header: first });
        };
        if (options.json && !options.follow) io.stdout.write('[');
        while (printed < limit && next <= to) {
          const page = await inspection.events(id, { from: next, to, limit: Math.min(PAGE, limit - printed) });
          if (page.length === 0) break;
          print(page, printed === 0);
          printed += page.length;
          next = (page[page.length - 1] as EventView).sequenceNr + 1;
          if (page.length < Math.min(PAGE, limit - printed + page.length)) break;
        }
        if (options.json && !options.follow) io.stdout.write(printed === 0 ? ']\n' : '\n]\n');
        if (!options.follow) {
          if (!options.json) io.stderr.write(`${plural(printed, 'event')}\n`);
          return;
        }
        const { signal, release } = interruptible(io);
        // A poll timer alone does not keep Node running; this does, until Ctrl-C.
        const keepAlive = setInterval(() => {}, 1 << 30);
        let followed = 0;
        try {
          for await (const event of inspection.follow(id, { from: next, signal })) {
            print([event], printed + followed === 0);
            followed++;
            if (printed + followed >= limit) break;
          }
        } finally {
          clearInterval(keepAlive);
          release();
        }
        io.stderr.write(`${plural(printed, 'event')}, then followed ${plural(followed, 'new event')}\n`);
      }),
    );
}
