#!/usr/bin/env node
/**
 * The `memento` command (package.json `bin`). See docs/cli.md.
 * @module
 */
import { processIo } from './node-io.js';
import { run } from './program.js';

// `memento events … | head` closes the pipe early: that ends the output, it is no failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2), processIo());
