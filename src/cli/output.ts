/**
 * What commands print: human tables (columns aligned, wide values cut at the terminal's
 * width) or JSON with `--json`.
 * @module
 */
import type { Writable } from 'node:stream';

/** Where a command writes, and what it knows about the terminal. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: NodeJS.ReadableStream;
  /** stderr is a terminal: progress bars are drawn there. */
  readonly interactive: boolean;
  /** Columns of the terminal, when stdout is one. */
  readonly columns: number | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Asks a yes/no question; false unless answered yes. */
  confirm(question: string): Promise<boolean>;
  /** Registers what Ctrl-C does; returns the unregister function. */
  onInterrupt(handler: () => void): () => void;
}

/** Writes one line to stdout. */
export const println = (io: CliIo, line = ''): void => {
  io.stdout.write(`${line}\n`);
};

/** Writes a JSON document (pretty, one trailing newline). */
export const printJson = (io: CliIo, value: unknown): void => {
  io.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
};

/** JSON.stringify replacer for values JSON has no form for (shown, not round-tripped). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}

/** A value on one line, for table cells. */
export function compact(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, jsonReplacer) ?? String(value);
}

/** ISO-8601 time of an epoch-ms timestamp; empty for none. */
export const isoTime = (timestamp: number | null | undefined): string =>
  timestamp === null || timestamp === undefined ? '' : new Date(timestamp).toISOString();

/** One column: a header and how to render a row's cell; `right` aligns numbers. */
export interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => string;
  readonly right?: boolean;
}

/** Renders rows as an aligned table; the last column is cut to fit the terminal. */
export function table<T>(io: CliIo, rows: readonly T[], columns: readonly Column<T>[], options: { header?: boolean } = {}): void {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => (row[index] as string).length)));
  const render = (values: readonly string[]) => {
    const line = values
      .map((value, index) => {
        const last = index === values.length - 1;
        if (last && !columns[index]?.right) return value;
        return columns[index]?.right ? value.padStart(widths[index] as number) : value.padEnd(widths[index] as number);
      })
      .join('  ')
      .trimEnd();
    return io.columns !== undefined && line.length > io.columns ? `${line.slice(0, Math.max(0, io.columns - 1))}…` : line;
  };
  if (options.header !== false) println(io, render(columns.map((column) => column.header)));
  for (const row of cells) println(io, render(row));
}

/** `1 snapshot` / `2 snapshots`. */
export const plural = (count: number, noun: string): string => `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
