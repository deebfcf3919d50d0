/**
 * Query parameters of the inspector's API, checked: each bad or unknown parameter is a
 * 400 naming the parameter, what was expected and what was found.
 * @module
 */
import type { TimePoint } from '../time-travel/point-in-time.js';

/** A request the API refuses, with the HTTP status to answer. */
export class BadRequestError extends Error {
  readonly status: 400 | 403 | 404;
  constructor(message: string, status: 400 | 403 | 404 = 400) {
    super(message);
    this.name = 'BadRequestError';
    this.status = status;
  }
}

/**
 * The query of `url`, an absolute URL or a request target (path and query), read as
 * `new URL(url).searchParams` reads it, without parsing the rest of the URL.
 */
export function searchParamsOf(url: string): URLSearchParams {
  const start = url.indexOf('?');
  if (start < 0) return new URLSearchParams();
  const end = url.indexOf('#', start);
  return new URLSearchParams(url.slice(start + 1, end < 0 ? undefined : end));
}

/** The query of one request, with the names the route accepts. */
export class QueryParameters {
  readonly #values: URLSearchParams;

  /** `url`: an absolute URL or a request target. */
  constructor(url: string, accepted: readonly string[]) {
    this.#values = searchParamsOf(url);
    for (const name of new Set(this.#values.keys())) {
      // `token` authenticates any request; it is checked (and removed from view) before routing.
      if (name === 'token') continue;
      if (!accepted.includes(name)) {
        const expected = accepted.length === 0 ? 'no query parameters' : `one of ${accepted.join(', ')}`;
        throw new BadRequestError(`query parameter ${JSON.stringify(name)}: expected ${expected}, found ${JSON.stringify(name)}`);
      }
      if (this.#values.getAll(name).length > 1) {
        throw new BadRequestError(
          `query parameter ${JSON.stringify(name)}: expected once, found ${this.#values.getAll(name).length} times`,
        );
      }
    }
  }

  /** The raw value, or undefined when absent. */
  string(name: string): string | undefined {
    return this.#values.get(name) ?? undefined;
  }

  /** A non-empty string, or undefined when absent. */
  nonEmptyString(name: string): string | undefined {
    const value = this.string(name);
    if (value === '') throw new BadRequestError(`query parameter ${JSON.stringify(name)}: expected a non-empty string, found ""`);
    return value;
  }

  /** An integer in [min, max], or `fallback` when absent. */
  integer<D extends number | undefined>(name: string, range: { readonly min: number; readonly max: number }, fallback: D): number | D {
    const value = this.string(name);
    if (value === undefined) return fallback;
    return parseInteger(value, `query parameter ${JSON.stringify(name)}`, range);
  }

  /** A point in time (sequence number or ISO-8601 time), required. */
  point(name: string): TimePoint {
    const value = this.string(name);
    if (value === undefined)
      throw new BadRequestError(`query parameter ${JSON.stringify(name)}: expected ${POINT_EXPECTED}, found nothing`);
    return parseTimePoint(value, `query parameter ${JSON.stringify(name)}`);
  }
}

const POINT_EXPECTED = 'a sequence number (0 or more) or an ISO-8601 time such as 2026-01-31T12:00:00Z';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a decimal integer in [min, max]; `what` names the value in the error. */
export function parseInteger(value: string, what: string, range: { readonly min: number; readonly max: number }): number {
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
    throw new BadRequestError(`${what}: expected an integer from ${range.min} to ${range.max}, found ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * A point as users write it: digits are a sequence number; otherwise an ISO-8601 time,
 * either a date (midnight UTC) or a date and time with `Z` or an offset. A time without
 * a zone is refused: the server's zone and the reader's may differ.
 */
export function parseTimePoint(value: string, what: string): TimePoint {
  if (/^\d+$/.test(value)) return { sequenceNr: parseInteger(value, what, { min: 0, max: Number.MAX_SAFE_INTEGER }) };
  const timestamp = ISO_DATE.test(value) || ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(timestamp) || timestamp < 0) {
    const hint = /^\d{4}-\d{2}-\d{2}T[^Z+-]*$/.test(value) ? ' (add Z or an offset such as +02:00)' : '';
    throw new BadRequestError(`${what}: expected ${POINT_EXPECTED}, found ${JSON.stringify(value)}${hint}`);
  }
  return { timestamp };
}
