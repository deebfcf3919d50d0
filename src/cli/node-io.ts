/**
 * The {@link CliIo} of a real process: its streams, terminal, environment and Ctrl-C.
 * @module
 */
import { createInterface } from 'node:readline/promises';
import type { CliIo } from './output.js';

/** This process's IO. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    interactive: process.stderr.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    env: process.env,
    cwd: process.cwd(),
    async confirm(question) {
      if (!process.stdin.isTTY) {
        process.stderr.write(`${question}\n`);
        process.stderr.write('memento: not a terminal, so nobody can answer: pass --yes to confirm\n');
        return false;
      }
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question(question)).trim());
      } finally {
        prompt.close();
      }
    },
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}
