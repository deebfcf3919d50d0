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

// Node prints warnings through its own 'warning' listener; ours keeps them to one line and
// drops the AWS SDK's notice that its future versions need Node 22 (memento supports Node 20).
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'NodeVersionSupportWarning' || warning.message.startsWith('NodeVersionSupportWarning')) return;
  process.stderr.write(`memento: warning: ${warning.name}: ${warning.message.replace(/\s*\n\s*/g, ' ')}\n`);
});

process.exitCode = await run(process.argv.slice(2), processIo());
