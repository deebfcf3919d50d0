/**
 * `memento migrate`: brings the SQLite file or the PostgreSQL schema to the current schema.
 * @module
 */
import type { Command } from 'commander';
import { action } from '../context.js';
import { type CliIo, printJson, println } from '../output.js';

/** Registers `migrate`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('create or upgrade the tables of the --store (SQLite file or PostgreSQL schema)')
    .option('--json', 'print { store, result } as JSON')
    .action(
      action<{ json?: boolean }>(io, async (run, _positional, options) => {
        const stores = await run.stores('create');
        const result = await stores.migrate();
        if (options.json) return printJson(io, { store: stores.storeUrl, result });
        println(io, `migrated ${stores.storeUrl}: ${result}`);
      }),
    );
}
