/**
 * Snapshot pages. The bounds narrow the scan with the primary key and the timestamp
 * index; `SnapshotSelectionCriteria.matches` still decides, so criteria keep one definition.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** A snapshot row (bigints as strings). */
export interface SnapshotRow {
  readonly sequence_nr: string;
  readonly timestamp_ms: string;
  readonly payload?: Buffer;
  readonly metadata?: Buffer | null;
}

const BOUNDS = 'persistence_id = $1 AND sequence_nr >= $2 AND sequence_nr <= $3 AND timestamp_ms >= $4 AND timestamp_ms <= $5';

/** Newest first, with payloads: load's candidates. `$1` id, `$2`-`$5` bounds, `$6` limit. */
export const snapshotCandidatesSql = (t: TableNames): string =>
  `SELECT sequence_nr, timestamp_ms, payload, metadata FROM ${t.snapshots} WHERE ${BOUNDS} ORDER BY sequence_nr DESC LIMIT $6`;

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
