/**
 * Runs `memento` in-process (fast, for the many cases) or as a real child process on the
 * built dist (for the end-to-end cases), capturing output and the exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/output.js';
import { run } from '../../src/cli/program.js';

/** What a run printed and how it ended. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a run. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: string;
  /** The answer to a confirmation prompt. @default false */
  readonly confirm?: boolean;
}

const collect = (stream: PassThrough) => {
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return () => text;
};

/** Runs the CLI in this process. */
export async function memento(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from([options.stdin ?? '']),
    interactive: false,
    columns: undefined,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    confirm: async () => options.confirm ?? false,
    onInterrupt: () => () => {},
  };
  const code = await run(args, io);
  return { code, stdout: out(), stderr: err() };
}

/** The built CLI (npm run build). */
export const MAIN = resolve(import.meta.dirname, '../../dist/cli/main.js');

/** Runs the built CLI as a child process; `onStdout` and `onStderr` see output as it comes (and may signal the child). */
export function mementoProcess(
  args: readonly string[],
  options: RunOptions & {
    onStdout?: (text: string, child: ReturnType<typeof spawn>) => void;
    onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, child);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code: code ?? (signal === 'SIGINT' ? 130 : -1), stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A fresh temp directory. */
export const tempDir = (label: string): string => mkdtempSync(join(tmpdir(), `memento-cli-${label}-`));

/** The definitions module the tests pass to --definitions. */
export const DEFINITIONS = resolve(import.meta.dirname, '../inspect/definitions.ts');
