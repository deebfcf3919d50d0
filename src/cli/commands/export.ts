/**
 * `memento export <file|->`: every id's events, snapshots and durable state as NDJSON (docs/cli.md).
 * @module
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { countIds, type ExportSummary, exportRecords } from '../../inspect/transfer/export-records.js';
import { action } from '../context.js';
import { ExitCode } from '../errors.js';
import { type CliIo, plural } from '../output.js';
import { interruptible, startProgress } from '../progress.js';

/** Writes one chunk, waiting when the stream asks to. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text))
    await new Promise<void>((done, fail) => {
      const onError = (error: Error) => fail(error);
      stream.once('error', onError);
      stream.once('drain', () => {
        stream.off('error', onError);
        done();
      });
    });
}

const finish = (stream: Writable) =>
  new Promise<void>((done, fail) => stream.end((error?: Error | null) => (error ? fail(error) : done())));

/** Registers `export`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('write every event, snapshot and durable state as NDJSON to a file, or to stdout with -')
    .argument('<file>', 'output file, or - for stdout')
    .option('--id <id...>', 'only these persistence ids')
    .option('--json', 'print the summary as JSON')
    .action(
      action<{ id?: string[]; json?: boolean }>(io, async (run, [target], options) => {
        const toStdout = target === '-';
        const report = toStdout ? io.stderr : io.stdout;
        const stores = await run.stores('read');
        const file = toStdout ? undefined : resolve(io.cwd, target as string);
        // Written next to the target and renamed at the end: an interrupted export leaves no half file.
        const partial = file === undefined ? undefined : `${file}.partial-${process.pid}`;
        const output: Writable = partial === undefined ? io.stdout : createWriteStream(partial);
        const summary: ExportSummary = { ids: 0, events: 0, snapshots: 0, states: 0, damagedSnapshots: [] };
        const { signal, release } = interruptible(io);
        const total = io.interactive ? (options.id?.length ?? (await countIds(stores))) : undefined;
        const progress = startProgress(io, 'exporting', total, 'ids');
        let interrupted = false;
        try {
          for await (const line of exportRecords(stores, summary, {
            signal,
            persistenceIds: options.id,
            onId: (running) => progress.update(running.ids),
          })) {
            await write(output, `${line}\n`);
          }
          if (partial !== undefined && file !== undefined) {
            await finish(output);
            await rename(partial, file);
          }
        } catch (error) {
          if (partial !== undefined) {
            // Writes still queued fail once the stream is destroyed: expected, the file goes anyway.
            output.on('error', () => {});
            await new Promise<void>((closed) => {
              output.once('close', () => closed());
              output.destroy();
            });
            await rm(partial, { force: true });
          }
          if ((error as Error)?.name !== 'AbortError') throw error;
          interrupted = true;
        } finally {
          progress.stop();
          release();
        }
        const result = { ...summary, file: file ?? '-', interrupted };
        if (options.json) {
          report.write(`${JSON.stringify(result, null, 2)}\n`);
        } else {
          const where = file ?? 'stdout';
          report.write(
            `${interrupted ? 'interrupted: ' : ''}exported ${plural(summary.ids, 'id')}, ${plural(summary.events, 'event')}, ${plural(summary.snapshots, 'snapshot')}, ${plural(summary.states, 'durable state')} ${interrupted ? '(nothing kept)' : `to ${where}`}\n`,
          );
          for (const damaged of summary.damagedSnapshots) {
            report.write(
              `not exported: snapshot #${damaged.sequenceNr} of ${JSON.stringify(damaged.persistenceId)} cannot be read: ${damaged.message}\n`,
            );
          }
        }
        if (interrupted) run.exitCode = ExitCode.interrupted;
        else if (summary.damagedSnapshots.length > 0) run.exitCode = ExitCode.failure;
      }),
    );
}
