/**
 * `memento serve`: the web inspector (docs/inspector.md) over the store the command line
 * opens, until Ctrl-C. Read-only unless --allow-delete; anything but loopback needs a token.
 * @module
 */
import type { Command } from 'commander';
import { createInspectorServer, DEFAULT_INSPECTOR_PORT } from '../../inspector/index.js';
import { action } from '../context.js';
import { CliError, oneLine } from '../errors.js';
import { type CliIo, println } from '../output.js';
import { interruptible } from '../progress.js';

interface ServeOptions {
  readonly port: string;
  readonly host: string;
  readonly token?: string;
  readonly allowDelete?: boolean;
}

function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(port) || port > 65_535)
    throw new CliError(`--port: expected an integer from 0 to 65535, found ${JSON.stringify(value)}`);
  return port;
}

/** Registers `serve`. */
export function registerCommands(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('start the web inspector on this store: ids, timelines, the state at any point, diffs, verify, live events')
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(DEFAULT_INSPECTOR_PORT))
    .option('--host <address>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <token>', 'required on every request, 16+ characters (env MEMENTO_INSPECTOR_TOKEN)')
    .option('--allow-delete', 'allow deleting snapshots from the page (read-only otherwise)')
    .action(
      action<ServeOptions>(io, async (run, _positional, options) => {
        const port = parsePort(options.port);
        const token = options.token ?? io.env.MEMENTO_INSPECTOR_TOKEN;
        const allowDelete = options.allowDelete === true;
        const inspection = await run.inspection(allowDelete ? 'write' : 'read');
        const server = await createInspectorServer({ inspection, host: options.host, port, token, allowDelete }).catch((error: unknown) => {
          // The server names its options; here they are flags.
          throw new CliError(oneLine(error).replace(/^options\.(token|host|port)\b/, '--$1'));
        });
        const { signal, release } = interruptible(io);
        try {
          println(io, `memento inspector on ${server.url} (${allowDelete ? 'snapshot deletion allowed' : 'read-only'}); Ctrl-C stops it`);
          println(io, `open ${server.openUrl}`);
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        } finally {
          release();
          await server.close();
        }
      }),
    );
}
