/**
 * Command-line values turned into numbers and points in time, each refused with one line
 * that says what was expected.
 * @module
 */
import type { TimePoint } from '../time-travel/point-in-time.js';
import { CliError } from './errors.js';

const DECIMAL = /^(0|[1-9][0-9]*)$/;
// Date and time required (a bare date would be read as UTC midnight by some and local by others).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A non-negative integer (or >= `min`). */
export function parseInteger(text: string, what: string, min = 0): number {
  if (!DECIMAL.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new CliError(`${what}: expected an integer >= ${min}, found ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `--at`: a sequence number (`120`) or an ISO-8601 time with a zone (`2026-11-01T10:00:00Z`). */
export function parseTimePoint(text: string, what = '--at'): TimePoint {
  if (DECIMAL.test(text)) return { sequenceNr: parseInteger(text, what) };
  const time = Date.parse(text);
  if (!ISO_TIME.test(text) || Number.isNaN(time)) {
    throw new CliError(
      `${what}: expected a sequence number (e.g. 120) or an ISO-8601 time with a zone (e.g. 2026-11-01T10:00:00Z), found ${JSON.stringify(text)}`,
    );
  }
  return { timestamp: time };
}

/** How a point reads in messages. */
export const describePoint = (point: TimePoint): string =>
  'sequenceNr' in point ? `#${point.sequenceNr}` : new Date(point.timestamp).toISOString();
