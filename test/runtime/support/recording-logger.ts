/** A logger that keeps what it is told, for assertions. */
import type { Logger } from '../../../src/index.js';

/** One logged line. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** Records every call. */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'debug', message, fields });
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
  /** Lines at `level` whose message contains `text`. */
  find(level: LogLine['level'], text: string): LogLine[] {
    return this.lines.filter((line) => line.level === level && line.message.includes(text));
  }
}
