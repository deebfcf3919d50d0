/**
 * The logger contract and the loggers Memento builds from a `logger` option: the
 * console shape `(message, fields)` (console, winston), the object-first shape
 * `(fields, message)` (pino, bunyan) adapted to it, `false` for silence, and by default
 * warnings and errors on stderr, one line each, rate-limited.
 * Free of node:* imports, so machines run in a browser too.
 * @module
 */

/** A structured logger; `fields` carry persistence ids, sequence numbers, durations. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger taking the fields first and the message second, as pino and bunyan do. */
export interface ObjectFirstLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * What a `logger` option accepts: a console-shaped logger, a pino or bunyan logger (their
 * types fit {@link Logger}; they are recognised at run time and called fields first), or
 * `false` to print nothing. Absent: warnings and errors go to stderr ({@link defaultLogger}).
 */
export type LoggerOption = Logger | false;

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

const ignore = (): void => {};

/** Prints nothing: what `logger: false` gives. */
export const silentLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });

/**
 * True for a pino or bunyan logger, whose methods take `(fields, message)`: pino
 * instances have `bindings()` and a `levels` table, bunyan ones `addStream()`.
 */
export function isObjectFirstLogger(logger: unknown): logger is ObjectFirstLogger {
  if (typeof logger !== 'object' || logger === null) return false;
  const candidate = logger as { bindings?: unknown; levels?: unknown; addStream?: unknown };
  const pino = typeof candidate.bindings === 'function' && typeof candidate.levels === 'object';
  const bunyan = typeof candidate.addStream === 'function';
  return pino || bunyan;
}

/** A {@link Logger} over an object-first (pino, bunyan) logger: every field is kept. */
export function objectFirstLogger(logger: ObjectFirstLogger): Logger {
  const at =
    (level: Level) =>
    (message: string, fields?: Record<string, unknown>): void =>
      logger[level].call(logger, fields ?? {}, message);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Options of {@link stderrLogger}. */
export interface StderrLoggerOptions {
  /** Lines printed per window at most; the rest are counted and reported once. @default 20 */
  readonly maxLinesPerWindow?: number;
  /** The window of the rate limit. @default 60000 */
  readonly windowMs?: number;
  /** Where lines go. @default console.error (stderr under Node) */
  readonly write?: (line: string) => void;
  /** The clock of the rate limit. @default Date.now */
  readonly now?: () => number;
}

/**
 * Warnings and errors as single lines (`[memento] WARN <message> {fields as JSON}`), at
 * most `maxLinesPerWindow` per window so a failing store cannot flood the output; lines
 * over the limit are counted and reported in one line when the next window opens.
 * Debug and info are dropped.
 */
export function stderrLogger(options: StderrLoggerOptions = {}): Logger {
  const maxLines = options.maxLinesPerWindow ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const write = options.write ?? ((line: string) => console.error(line));
  const now = options.now ?? Date.now;
  let windowStart = Number.NEGATIVE_INFINITY;
  let printed = 0;
  let suppressed = 0;
  const print = (level: 'WARN' | 'ERROR') => (message: string, fields?: Record<string, unknown>) => {
    const time = now();
    if (time - windowStart >= windowMs) {
      if (suppressed > 0) write(`[memento] WARN ${suppressed} more log lines suppressed in the last ${Math.round(windowMs / 1000)} s`);
      windowStart = time;
      printed = 0;
      suppressed = 0;
    }
    if (printed >= maxLines) {
      suppressed++;
      return;
    }
    printed++;
    write(`[memento] ${level} ${oneLine(withoutPrefix(message))}${fields === undefined ? '' : ` ${formatFields(fields)}`}`);
  };
  return { debug: ignore, info: ignore, warn: print('WARN'), error: print('ERROR') };
}

/** Messages already start with `[memento] `; the line's own prefix says it once. */
function withoutPrefix(message: string): string {
  return message.startsWith('[memento] ') ? message.slice('[memento] '.length) : message;
}

/** The logger used when none is given: warnings and errors on stderr, rate-limited, shared by every store. */
export const defaultLogger: Logger = stderrLogger();

/** The {@link Logger} a `logger` option stands for (see {@link LoggerOption}). */
export function resolveLogger(option: LoggerOption | undefined): Logger {
  if (option === undefined) return defaultLogger;
  if (option === false) return silentLogger;
  if (isObjectFirstLogger(option)) return objectFirstLogger(option);
  return option;
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

/** Fields as one line of JSON; errors keep their name and message, bigints their digits, cycles are cut. */
function formatFields(fields: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(fields, (_key, value: unknown) => {
      if (typeof value === 'bigint') return `${value}n`;
      if (value instanceof Error) return `${value.name}: ${oneLine(value.message)}`;
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[circular]';
        seen.add(value);
      }
      return value;
    });
  } catch (error) {
    return `{"fields":"unprintable (${String(error)})"}`;
  }
}
