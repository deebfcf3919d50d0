/**
 * Store URLs: `sqlite:./path.db`, `postgres://user@host:5432/db`,
 * `dynamodb://table?endpoint=…&region=…`, `file:./dir` and
 * `s3://bucket/prefix?endpoint=…&region=…`, parsed and checked before anything is opened.
 * @module
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateTableName } from '../dynamodb/table.js';
import { CliError, ExitCode, oneLine } from './errors.js';

/** A journal store: holds events, snapshots and durable state. */
export type JournalLocation =
  | { readonly kind: 'sqlite'; readonly url: string; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly connectionString: string }
  | {
      readonly kind: 'dynamodb';
      readonly url: string;
      readonly table: string;
      readonly endpoint: string | undefined;
      readonly region: string | undefined;
    };

/** A snapshot store of its own. */
export type SnapshotLocation =
  | { readonly kind: 'file'; readonly url: string; readonly directory: string }
  | {
      readonly kind: 's3';
      readonly url: string;
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint: string | undefined;
      readonly region: string | undefined;
      readonly forcePathStyle: boolean;
    };

const JOURNAL_FORMS = 'sqlite:./path.db, postgres://user@host:5432/db or dynamodb://table?endpoint=…&region=…';
const SNAPSHOT_FORMS = 'file:./dir, s3://bucket/prefix?endpoint=…&region=…, or a journal store URL';

const usage = (message: string) => new CliError(message, ExitCode.failure);

/** A path after a `scheme:` prefix; `scheme:///abs` and `scheme://./rel` are accepted too. */
function pathAfter(url: string, scheme: string, cwd: string): string {
  if (url.startsWith(`${scheme}://`)) {
    const rest = url.slice(scheme.length + 3);
    if (rest.startsWith('/')) return scheme === 'file' ? fileURLToPath(url) : rest;
    return resolve(cwd, rest);
  }
  return resolve(cwd, url.slice(scheme.length + 1));
}

/** Parses `--store`. */
export function parseJournalUrl(url: string, cwd: string): JournalLocation {
  if (url.startsWith('sqlite:')) {
    const file = pathAfter(url, 'sqlite', cwd);
    if (url.length <= 'sqlite:'.length) throw usage(`--store ${url}: expected a file after sqlite:, e.g. sqlite:./data.db`);
    return { kind: 'sqlite', url, file };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      new URL(url);
    } catch {
      throw usage(`--store ${url}: not a valid URL (expected ${JOURNAL_FORMS})`);
    }
    return { kind: 'postgres', url, connectionString: url };
  }
  if (url.startsWith('dynamodb://')) return parseDynamoDbUrl(url);
  throw usage(`--store ${JSON.stringify(url)}: expected ${JOURNAL_FORMS}`);
}

/** `dynamodb://<table>?endpoint=…&region=…`: the table name as DynamoDB spells it (case kept). */
function parseDynamoDbUrl(url: string): JournalLocation {
  const rest = url.slice('dynamodb://'.length);
  const query = rest.indexOf('?');
  const table = decodeURIComponent(query < 0 ? rest : rest.slice(0, query)).replace(/\/$/, '');
  try {
    validateTableName(table, 'table');
  } catch (error) {
    throw usage(`--store ${url}: expected a table name after dynamodb:// (${oneLine(error)})`);
  }
  const parameters = new URLSearchParams(query < 0 ? '' : rest.slice(query + 1));
  for (const key of parameters.keys()) {
    if (key !== 'endpoint' && key !== 'region')
      throw usage(`--store ${url}: unknown parameter ${JSON.stringify(key)} (expected endpoint, region)`);
  }
  const endpoint = parameters.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !URL.canParse(endpoint)) throw usage(`--store ${url}: endpoint ${JSON.stringify(endpoint)} is not a URL`);
  return { kind: 'dynamodb', url, table, endpoint, region: parameters.get('region') ?? undefined };
}

/** Parses `--snapshots`: a file or S3 store, or a journal store's URL (its snapshot table). */
export function parseSnapshotUrl(url: string, cwd: string): SnapshotLocation | JournalLocation {
  if (url.startsWith('file:')) {
    if (url.length <= 'file:'.length) throw usage(`--snapshots ${url}: expected a directory after file:, e.g. file:./snapshots`);
    return { kind: 'file', url, directory: pathAfter(url, 'file', cwd) };
  }
  if (url.startsWith('s3://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw usage(`--snapshots ${url}: not a valid URL (expected ${SNAPSHOT_FORMS})`);
    }
    const bucket = parsed.hostname;
    if (bucket.length === 0) throw usage(`--snapshots ${url}: expected a bucket, e.g. s3://my-bucket/snapshots`);
    const known = new Set(['endpoint', 'region', 'forcePathStyle']);
    for (const key of parsed.searchParams.keys()) {
      if (!known.has(key))
        throw usage(`--snapshots ${url}: unknown parameter ${JSON.stringify(key)} (expected endpoint, region, forcePathStyle)`);
    }
    const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
    const pathStyle = parsed.searchParams.get('forcePathStyle');
    return {
      kind: 's3',
      url,
      bucket,
      prefix: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
      endpoint,
      region: parsed.searchParams.get('region') ?? undefined,
      // S3-compatible servers (MinIO, s3rver) behind an endpoint rarely do virtual-host buckets.
      forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
    };
  }
  if (url.startsWith('sqlite:') || url.startsWith('postgres://') || url.startsWith('postgresql://') || url.startsWith('dynamodb://'))
    return parseJournalUrl(url, cwd);
  throw usage(`--snapshots ${JSON.stringify(url)}: expected ${SNAPSHOT_FORMS}`);
}

/** The URL without a password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
      return parsed.toString();
    }
  } catch {
    // Not a URL (sqlite:, file:): nothing secret in it.
  }
  return url;
}
