/**
 * Exit codes and the one-line error every failure prints.
 * @module
 */
import { ErrorCodes, isMementoError } from '../core/errors.js';

/** Exit codes of `memento` (docs/cli.md). */
export const ExitCode = {
  ok: 0,
  /** Something is wrong: bad input, a failed operation, or `verify` found problems. */
  failure: 1,
  /** A store could not be opened or reached. */
  storeUnavailable: 2,
  /** Stopped by Ctrl-C. */
  interrupted: 130,
} as const;

/** A failure the CLI reports as one line and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The message without Memento's `[memento] [plugin] ` prefixes, on one line. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/(\[[a-z0-9-]+\] )+/g, '').replace(/\s*\n\s*/g, ' ');
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if ((error as Error | null)?.name === 'AbortError') return ExitCode.interrupted;
  if (isMementoError(error, ErrorCodes.storeUnavailable) || isMementoError(error, ErrorCodes.schemaVersion))
    return ExitCode.storeUnavailable;
  return ExitCode.failure;
}
