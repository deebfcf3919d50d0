/**
 * One page of an id's events, by keyset on sequence_nr.
 * @module
 */
import type { TableNames } from '../../identifier.js';
import { firstStoredSql } from './stored-bounds.js';

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

/** A replay page packed into one row (see src/spi/packed-event-pages.ts), as PostgreSQL returns it. */
export interface PackedEventPageRow {
  readonly count: number;
  readonly payloads: Buffer | null;
  readonly metadata: Buffer | null;
  readonly dense: string | null;
  readonly sparse: string;
  /** Stored bytes of the row the page stopped before because it exceeded `$5`; null when not cut. */
  readonly cut_bytes: number | null;
}

/**
 * `$1` id, `$2` from (inclusive), `$3` to (inclusive), `$4` page size, `$5` bytes per row.
 * The page is a range of at most `$4` sequence numbers starting at the first stored one
 * >= `$2` (deletion only removes a prefix, so stored numbers are contiguous): bounding the
 * index range, not only a LIMIT, keeps each page's cost independent of the history's
 * length whatever plan the statistics suggest (its first number too: see stored-bounds.ts).
 * The page stops before the first row after its first whose payload and metadata exceed
 * `$5` bytes (`cut_bytes` tells its size), so
 * a page holds at most its first row plus `$4 - 1` rows of `$5` bytes: the reader picks
 * `$5` as its byte budget over `$4`. A per-row check costs one narrow scan of the range; a
 * running total (a window function) cost more than the rest of the query.
 *
 * The rows come back packed into one row: payloads and metadata concatenated, the dense
 * columns as one list of numbers, the optional ones as JSON for the rows that have any.
 * The aggregates read the page in sequence order, which unpacking checks.
 */
export const readEventPageSql = (t: TableNames): string =>
  `WITH range AS (
  SELECT first, least($3::bigint, first + $4::bigint - 1) AS last
  FROM (SELECT ${firstStoredSql(t, '$1', '$2', '$3')} AS first) AS start
), cut AS (
  SELECT c.sequence_nr, octet_length(c.payload) + coalesce(octet_length(c.metadata), 0) AS bytes
  FROM ${t.journal} c
  WHERE c.persistence_id = $1 AND c.sequence_nr > (SELECT first FROM range) AND c.sequence_nr <= (SELECT last FROM range)
    AND octet_length(c.payload) + coalesce(octet_length(c.metadata), 0) > $5
  ORDER BY c.sequence_nr LIMIT 1
)
SELECT count(*)::int AS count, string_agg(payload, ''::bytea) AS payloads, string_agg(metadata, ''::bytea) AS metadata,
  string_agg(sequence_nr::text || ',' || timestamp_ms::text || ',' || octet_length(payload)::text, ',') AS dense,
  coalesce((json_agg(json_build_array(sequence_nr, manifest, writer_id, array_to_json(tags)::text, octet_length(metadata)))
    FILTER (WHERE manifest IS NOT NULL OR writer_id IS NOT NULL OR tags IS NOT NULL OR metadata IS NOT NULL))::text, '[]') AS sparse,
  (SELECT bytes FROM cut) AS cut_bytes
FROM (
  SELECT sequence_nr, timestamp_ms, manifest, writer_id, tags, payload, metadata FROM ${t.journal}
  WHERE persistence_id = $1 AND sequence_nr >= (SELECT first FROM range) AND sequence_nr <= (SELECT last FROM range)
    AND sequence_nr < coalesce((SELECT sequence_nr FROM cut), 9223372036854775807)
  ORDER BY sequence_nr
) AS page`;

/**
 * The page of {@link readEventPageSql} (same range, same cut) as plain rows in sequence order,
 * for `COPY (...) TO STDOUT (FORMAT binary)`: envelopes arrive as stored, each row's fields
 * with their lengths (see src/postgres/copy-page.ts). COPY takes no parameters: `id` is a
 * quoted literal, the numbers are integers. Every row carries the cut's size.
 */
export const copyEventPageSql = (t: TableNames, id: string, from: number, to: number, rows: number, bytesPerRow: number): string =>
  `COPY (WITH range AS (
  SELECT first, least(${to}::bigint, first + ${rows}::bigint - 1) AS last
  FROM (SELECT ${firstStoredSql(t, id, String(from), String(to))} AS first) AS start
), cut AS (
  SELECT c.sequence_nr, octet_length(c.payload) + coalesce(octet_length(c.metadata), 0) AS bytes
  FROM ${t.journal} c
  WHERE c.persistence_id = ${id} AND c.sequence_nr > (SELECT first FROM range) AND c.sequence_nr <= (SELECT last FROM range)
    AND octet_length(c.payload) + coalesce(octet_length(c.metadata), 0) > ${bytesPerRow}
  ORDER BY c.sequence_nr LIMIT 1
)
SELECT sequence_nr, timestamp_ms, payload, metadata, manifest, writer_id, array_to_json(tags)::text, (SELECT bytes FROM cut)::int
FROM ${t.journal}
WHERE persistence_id = ${id} AND sequence_nr >= (SELECT first FROM range) AND sequence_nr <= (SELECT last FROM range)
  AND sequence_nr < coalesce((SELECT sequence_nr FROM cut), 9223372036854775807)
ORDER BY sequence_nr) TO STDOUT (FORMAT binary)`;
