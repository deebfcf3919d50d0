/**
 * How the page writes times, sizes and values in one line.
 * @module
 */
import { isTaggedValue, type JsonView } from '../json-view.js';

/** An epoch-ms time as ISO-8601 UTC (what the time input accepts back). */
export const formatTime = (timestamp: number | null | undefined): string =>
  timestamp === null || timestamp === undefined ? '—' : new Date(timestamp).toISOString();

/** A count with thousands separators. */
export const formatCount = (value: number): string => value.toLocaleString('en-US');

/** A byte size. */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A tagged value as it reads in a tree: `12n`, `Date(…)`, `undefined`. */
export function formatTagged(value: JsonView): string | undefined {
  if (!isTaggedValue(value)) return undefined;
  switch (value.$type) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return value.value;
    case 'bigint':
      return `${value.value}n`;
    case 'Date':
      return `Date(${value.value})`;
    case 'RegExp':
      return value.value;
    case 'bytes':
      return `bytes(${value.length}) ${value.hex.slice(0, 32)}${value.hex.length > 32 ? '…' : ''}`;
    case 'cycle':
      return '[cycle]';
    case 'unsupported':
      return value.value;
    default:
      return undefined;
  }
}

/** A value in one short line (previews of events and diff values). */
export function preview(value: JsonView | undefined, limit = 120): string {
  if (value === undefined) return '';
  const tagged = formatTagged(value);
  const text = tagged ?? JSON.stringify(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** A diff path as `a.b[2].c`. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(whole state)';
  return path
    .map((part, index) =>
      typeof part === 'number'
        ? `[${part}]`
        : /^[A-Za-z_$][\w$]*$/.test(part)
          ? index === 0
            ? part
            : `.${part}`
          : `[${JSON.stringify(part)}]`,
    )
    .join('');
}
