/**
 * Deletes an id's events up to a sequence number; the highest stays in the streams table.
 * Forgets streams: one id at once, or every id emptied longer ago than a retention.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/**
 * `$1` id, `$2` to (inclusive). When that reaches the highest, the stream is empty: the
 * first such deletion since the last append records when (`emptied_at`).
 */
export const deleteEventsSql = (t: TableNames): string =>
  `WITH deleted AS (DELETE FROM ${t.journal} WHERE persistence_id = $1 AND sequence_nr <= $2)
UPDATE ${t.streams} SET emptied_at = now() WHERE persistence_id = $1 AND highest_sequence_nr <= $2 AND emptied_at IS NULL`;

/**
 * `$1` id: deletes every event of the id and its row in the streams table, so the id is
 * forgotten (its sequence numbers start at 1 again). Returns the number of events deleted.
 */
export const purgeStreamSql = (t: TableNames): string =>
  `WITH stream AS (DELETE FROM ${t.streams} WHERE persistence_id = $1 RETURNING persistence_id),
events AS (DELETE FROM ${t.journal} WHERE persistence_id = $1 RETURNING 1)
SELECT (SELECT count(*) FROM events)::bigint AS events, (SELECT count(*) FROM stream)::bigint AS streams`;

/**
 * `$1` retention in milliseconds: deletes the streams rows of ids emptied longer ago than
 * that and still without events, returning their ids. An append clears `emptied_at` under
 * the row's lock, so a stream written meanwhile is re-checked and kept.
 */
export const purgeEmptiedStreamsSql = (t: TableNames): string =>
  `DELETE FROM ${t.streams} s WHERE s.emptied_at < now() - make_interval(secs => $1::double precision / 1000)
  AND NOT EXISTS (SELECT 1 FROM ${t.journal} j WHERE j.persistence_id = s.persistence_id)
RETURNING s.persistence_id`;
