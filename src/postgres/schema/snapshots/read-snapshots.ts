/**
 * Snapshot pages. The bounds narrow the scan with the primary key and the timestamp
 * index; `SnapshotSelectionCriteria.matches` still decides, so criteria keep one definition.
 * @module
 */
import { MAX_SEQUENCE_NR } from '../../../core/validation.js';
import type { TableNames } from '../../identifier.js';

/** A snapshot row (bigints as strings). */
export interface SnapshotRow {
  readonly sequence_nr: string;
  readonly timestamp_ms: string;
  readonly payload?: Buffer;
  readonly metadata?: Buffer | null;
}

const BOUNDS = 'persistence_id = $1 AND sequence_nr >= $2 AND sequence_nr <= $3 AND timestamp_ms >= $4 AND timestamp_ms <= $5';

/** Load's bounds on one id's candidates. */
export interface CandidateBounds {
  readonly min: number;
  readonly max: number;
  readonly minTime: number;
  readonly maxTime: number;
}

const CANDIDATE_CONDITIONS = [
  ['min', 'sequence_nr >='],
  ['max', 'sequence_nr <='],
  ['minTime', 'timestamp_ms >='],
  ['maxTime', 'timestamp_ms <='],
] as const;

/** Whether each bound excludes anything (a bit per bound, in CANDIDATE_CONDITIONS order): 0 and MAX_SEQUENCE_NR do not. */
export function restrictingBounds(bounds: CandidateBounds): number {
  return (
    (bounds.min > 0 ? 1 : 0) |
    (bounds.max < MAX_SEQUENCE_NR ? 2 : 0) |
    (bounds.minTime > 0 ? 4 : 0) |
    (bounds.maxTime < MAX_SEQUENCE_NR ? 8 : 0)
  );
}

/**
 * Newest first, with payloads: load's candidates, `limit` per query. Only the bounds set in
 * `restricting` (see {@link restrictingBounds}) are in the statement, as `$2`, `$3`, ... in
 * that order after the id `$1`: stored sequence numbers and timestamps are never outside
 * 0..MAX_SEQUENCE_NR, and the server plans "the newest of an id" in less time than the same
 * scan with four open bounds.
 */
export function snapshotCandidatesSql(t: TableNames, restricting: number, limit: number): string {
  let where = 'persistence_id = $1';
  let parameter = 1;
  CANDIDATE_CONDITIONS.forEach(([, condition], bit) => {
    if (restricting & (1 << bit)) where += ` AND ${condition} $${++parameter}`;
  });
  return `SELECT sequence_nr, timestamp_ms, payload, metadata FROM ${t.snapshots} WHERE ${where} ORDER BY sequence_nr DESC LIMIT ${limit}`;
}

/** The values of {@link snapshotCandidatesSql}'s statement for `restricting`. */
export function snapshotCandidatesValues(persistenceId: string, bounds: CandidateBounds, restricting: number): unknown[] {
  const values: unknown[] = [persistenceId];
  CANDIDATE_CONDITIONS.forEach(([bound], bit) => {
    if (restricting & (1 << bit)) values.push(bounds[bound]);
  });
  return values;
}

/**
 * The first page of load's candidates for many requests at once: `$1` ids, `$2`-`$5` their
 * bounds (arrays, in order `i`), `$6` limit per id, `$7` the most payload plus metadata bytes
 * a row may carry here; a larger row comes without them (`payload` null, `bytes` its size),
 * so one batch never moves many large snapshots. Ids with no match have no rows.
 */
export const snapshotCandidatesBatchSql = (t: TableNames): string =>
  `SELECT r.i, s.sequence_nr, s.timestamp_ms, s.bytes,
  CASE WHEN s.bytes <= $7 THEN s.payload END AS payload, CASE WHEN s.bytes <= $7 THEN s.metadata END AS metadata
  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS r(id, min_seq, max_seq, min_ts, max_ts, i)
  CROSS JOIN LATERAL (SELECT sequence_nr, timestamp_ms, payload, metadata, octet_length(payload) + coalesce(octet_length(metadata), 0) AS bytes
    FROM ${t.snapshots} WHERE persistence_id = r.id AND sequence_nr >= r.min_seq AND sequence_nr <= r.max_seq
    AND timestamp_ms >= r.min_ts AND timestamp_ms <= r.max_ts ORDER BY sequence_nr DESC LIMIT $6) s
  ORDER BY r.i, s.sequence_nr DESC`;

/** Oldest first, identity only: list's pages and deleteMatching's keys. Same parameters. */
export const snapshotKeysSql = (t: TableNames): string =>
  `SELECT sequence_nr, timestamp_ms FROM ${t.snapshots} WHERE ${BOUNDS} ORDER BY sequence_nr LIMIT $6`;

/** `$1` after (exclusive, '' for the start), `$2` limit: ids with snapshots, in byte order (COLLATE "C"). */
export const snapshotIdsSql = (t: TableNames): string =>
  `SELECT DISTINCT persistence_id FROM ${t.snapshots} WHERE persistence_id > $1 ORDER BY persistence_id LIMIT $2`;
