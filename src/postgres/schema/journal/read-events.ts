/**
 * One page of an id's events, by keyset on sequence_nr.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** A stored event row as PostgreSQL returns it (bigints as strings). */
export interface EventRow {
  /** Only in results of {@link readByOrderingSql}-like queries. */
  readonly ordering?: string;
  readonly persistence_id: string;
  readonly sequence_nr: string;
  readonly timestamp_ms: string;
  readonly manifest: string | null;
  readonly tags: string[] | null;
  readonly writer_id: string | null;
  readonly payload: Buffer;
  readonly metadata: Buffer | null;
}

/** Columns of {@link EventRow}. */
export const EVENT_ROW_COLUMNS = 'ordering, persistence_id, sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata';

/**
 * `$1` id, `$2` from (inclusive), `$3` to (inclusive), `$4` page size, `$5` page bytes.
 * The page is a range of at most `$4` sequence numbers starting at the first stored one
 * >= `$2` (deletion only removes a prefix, so stored numbers are contiguous): bounding the
 * index range, not only a LIMIT, keeps each page's cost independent of the history's
 * length whatever plan the statistics suggest. Rows past `$5` payload bytes are left for
 * the next page (the first row always comes), so huge events arrive a few at a time: a
 * page whose payloads total less than `$5` was not cut.
 */
export const readEventsSql = (t: TableNames): string =>
  `SELECT persistence_id, sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata FROM (
  SELECT j.persistence_id, j.sequence_nr, j.timestamp_ms, j.manifest, j.tags, j.writer_id, j.payload, j.metadata,
    sum(octet_length(j.payload)) OVER (ORDER BY j.sequence_nr ROWS UNBOUNDED PRECEDING) - octet_length(j.payload) AS bytes_before
  FROM ${t.journal} j,
    (SELECT min(sequence_nr) AS first FROM ${t.journal} WHERE persistence_id = $1 AND sequence_nr >= $2) AS start
  WHERE j.persistence_id = $1 AND j.sequence_nr >= start.first AND j.sequence_nr <= least($3::bigint, start.first + $4::bigint - 1)
) page
WHERE bytes_before < $5
ORDER BY sequence_nr`;
