/**
 * The `memento` program: global options, every command module, and one place that turns
 * failures into one line on stderr and an exit code.
 * @module
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { type CommandModule, commandModules } from './commands/index.js';
import { ExitWith } from './context.js';
import { ExitCode, exitCodeOf, oneLine } from './errors.js';
import type { CliIo } from './output.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The program with every command registered (plus `extra` modules, e.g. `serve`). */
export function createProgram(io: CliIo, extra: readonly CommandModule[] = []): Command {
  const program = new Command('memento')
    .description(
      'Inspect, verify and move Memento stores: ids, events, snapshots, state at any point, diffs, shadow replay, export and import.',
    )
    .version(version)
    .option(
      '--store <url>',
      'journal store: sqlite:./path.db, postgres://user@host:5432/db or dynamodb://table?endpoint=…&region=… (env MEMENTO_STORE)',
    )
    .option('--schema <name>', 'PostgreSQL schema (env MEMENTO_SCHEMA)', undefined)
    .option('--snapshots <url>', 'separate snapshot store: file:./dir or s3://bucket/prefix?endpoint=…&region=… (env MEMENTO_SNAPSHOTS)')
    .option('--definitions <module>', 'module exporting your entity and state definitions (env MEMENTO_DEFINITIONS)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) =>
        write(
          `memento: ${text
            .replace(/^error: /, '')
            .replace(/\s*\n\s*(?=\S)/g, ' ')
            .trim()}\n`,
        ),
    });
  for (const module of [...commandModules, ...extra]) module.registerCommands(program, io);
  for (const command of program.commands) {
    command.exitOverride().configureOutput(program.configureOutput());
  }
  return program;
}

/** Runs `memento` with `argv` (without node and script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CliIo, extra: readonly CommandModule[] = []): Promise<number> {
  const program = createProgram(io, extra);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ExitWith) return error.exitCode;
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; usage errors were already printed as one line.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.failure;
    }
    io.stderr.write(`memento: ${oneLine(error)}\n`);
    return exitCodeOf(error);
  }
}
