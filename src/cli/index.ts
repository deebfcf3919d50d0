/**
 * The `memento` command line as a library: run it in-process, or add commands to it.
 * @module
 */

export { parseTimePoint } from './arguments.js';
export type { CommandModule } from './commands/index.js';
export { action, CommandRun, ExitWith, type GlobalFlags } from './context.js';
export { CliError, ExitCode, oneLine } from './errors.js';
export { type OpenedStores, type OpenMode, openStores } from './open-stores.js';
export { type CliIo, printJson, println, table } from './output.js';
export { createProgram, run } from './program.js';
export { interruptible, startProgress } from './progress.js';
