#!/usr/bin/env node
/**
 * The `memento` command (package.json `bin`). See docs/cli.md.
 * @module
 */
import { processIo } from './node-io.js';
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2), processIo());
