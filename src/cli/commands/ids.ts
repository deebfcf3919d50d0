/**
 * `memento ids`: persistence ids with counts, streamed page by page.
 * @module
 */
import type { Command } from 'commander';
import { DEFAULT_ID_PAGE } from '../../inspect/id-summaries.js';
import type { IdSummary } from '../../inspect/inspection.js';
import { parseInteger } from '../arguments.js';
import { action } from '../context.js';
import { type CliIo, type Column, isoTime, jsonReplacer, plural, println, table } from '../output.js';

const columns: Column<IdSummary>[] = [
  { header: 'PERSISTENCE ID', cell: (row) => row.persistenceId },
  { header: 'HIGHEST', cell: (row) => String(row.highestSequenceNr), right: true },
  { header: 'EVENTS', cell: (row) => String(row.eventCount), right: true },
  { header: 'SNAPSHOTS', cell: (row) => String(row.snapshotCount), right: true },
  { header: 'STATE REV', cell: (row) => (row.stateRevision === 0 ? '-' : String(row.stateRevision)), right: true },
  { header: 'LAST WRITE', cell: (row) => isoTime(row.lastWriteTimestamp) },
];

/** Registers `ids`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('ids')
    .description(
      'list persistence ids (of events, snapshots and durable state) with highest sequence number, event and snapshot counts, durable state revision and last write time',
    )
    .option('--prefix <prefix>', 'only ids starting with this')
    .option('--limit <n>', 'at most this many ids')
    .option('--json', 'JSON array of { persistenceId, highestSequenceNr, eventCount, snapshotCount, stateRevision, lastWriteTimestamp }')
    .action(
      action<{ prefix?: string; limit?: string; json?: boolean }>(io, async (run, _positional, options) => {
        const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : parseInteger(options.limit, '--limit', 1);
        const inspection = await run.inspection();
        let listed = 0;
        let after: string | undefined;
        if (options.json) io.stdout.write('[');
        while (listed < limit) {
          const page = await inspection.ids({ prefix: options.prefix, after, limit: Math.min(DEFAULT_ID_PAGE, limit - listed) });
          if (options.json) {
            for (const [index, summary] of page.entries()) {
              io.stdout.write(`${listed + index === 0 ? '\n' : ',\n'}  ${JSON.stringify(summary, jsonReplacer)}`);
            }
          } else if (page.length > 0) {
            table(io, page, columns, { header: listed === 0 });
          }
          listed += page.length;
          if (page.length < DEFAULT_ID_PAGE) break;
          after = page[page.length - 1]?.persistenceId;
        }
        if (options.json) io.stdout.write(listed === 0 ? ']\n' : '\n]\n');
        else
          println(
            io,
            listed === 0
              ? `no ids${options.prefix === undefined ? '' : ` starting with ${JSON.stringify(options.prefix)}`}`
              : plural(listed, 'id'),
          );
      }),
    );
}
