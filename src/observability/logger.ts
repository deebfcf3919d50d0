/**
 * The logger contract: any object with debug/info/warn/error (console, pino, winston).
 * Memento prints nothing unless given one.
 * @module
 */

/** A structured logger; `fields` carry persistence ids, sequence numbers, durations. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ignore = (): void => {};

/** The default logger: prints nothing. */
export const silentLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });
