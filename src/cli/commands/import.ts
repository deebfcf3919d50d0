/**
 * `memento import <file|->`: loads an export, refusing to overwrite what the target has.
 * @module
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { emptyImportSummary, type ImportSummary, importRecords } from '../../inspect/transfer/import-records.js';
import { action } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { type CliIo, plural, printJson, println } from '../output.js';
import { interruptible, type Progress, startProgress } from '../progress.js';

/** The file's lines, counting bytes read for the progress bar. */
async function* linesOf(file: string, progress: Progress, offset: number, size: number): AsyncIterable<string> {
  let bytes = 0;
  let count = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    bytes += Buffer.byteLength(line) + 1;
    if (++count % 1000 === 0) progress.update(offset + Math.min(bytes, size), size * 2);
    yield line;
  }
}

/** Registers `import`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('import')
    .description('load an NDJSON export; refuses (nothing written) to overwrite existing sequence numbers unless --skip-existing')
    .argument('<file>', 'input file, or - for stdin')
    .option('--skip-existing', 'keep what the target already has and import the rest')
    .option('--json', 'print the summary as JSON')
    .action(
      action<{ skipExisting?: boolean; json?: boolean }>(io, async (run, [source], options) => {
        let file = source === '-' ? undefined : resolve(io.cwd, source as string);
        if (file !== undefined && !existsSync(file)) throw new CliError(`import: no such file ${file}`);
        let spool: string | undefined;
        if (file === undefined) {
          // Two passes (check, then write) need the input twice: stdin is kept in a temp file.
          spool = await mkdtemp(join(tmpdir(), 'memento-import-'));
          file = join(spool, 'stdin.ndjson');
          await pipeline(io.stdin, createWriteStream(file));
        }
        const stores = await run.stores('create');
        const size = statSync(file).size;
        const { signal, release } = interruptible(io);
        const progress = startProgress(io, 'importing', size * 2, 'bytes');
        let summary: ImportSummary;
        let pass = 0;
        try {
          summary = await importRecords(() => linesOf(file as string, progress, pass++ === 0 ? 0 : size, size), stores, {
            skipExisting: options.skipExisting,
            signal,
          });
        } catch (error) {
          if ((error as Error)?.name !== 'AbortError') throw error;
          // Stopped while checking the input: nothing was written.
          summary = { ...emptyImportSummary(0), interrupted: true };
        } finally {
          progress.stop();
          release();
          if (spool !== undefined) await rm(spool, { recursive: true, force: true });
        }
        if (summary.interrupted) run.exitCode = ExitCode.interrupted;
        if (options.json) return printJson(io, { ...summary, store: stores.storeUrl, snapshotStore: stores.snapshotsUrl });
        const skipped =
          summary.skippedEvents + summary.skippedSnapshots + summary.skippedStates > 0
            ? `; kept what was there: ${plural(summary.skippedEvents, 'event')}, ${plural(summary.skippedSnapshots, 'snapshot')}, ${plural(summary.skippedStates, 'durable state')}`
            : '';
        const interrupted = summary.interrupted
          ? `interrupted: ${summary.ids === 0 ? 'nothing written; ' : ''}every id is imported whole or not at all (run the same import with --skip-existing to finish): `
          : '';
        println(
          io,
          `${interrupted}imported ${plural(summary.events, 'event')}, ${plural(summary.snapshots, 'snapshot')} and ${plural(summary.states, 'durable state')} of ${plural(summary.ids, 'id')} into ${stores.storeUrl}${skipped}`,
        );
      }),
    );
}
