/**
 * Deletes an id's events up to a sequence number; the highest stays in the streams table.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` id, `$2` to (inclusive). */
export const deleteEventsSql = (t: TableNames): string => `DELETE FROM ${t.journal} WHERE persistence_id = $1 AND sequence_nr <= $2`;

/**
 * `$1` id: deletes every event of the id and its row in the streams table, so the id is
 * forgotten (its sequence numbers start at 1 again). Returns the number of events deleted.
 */
export const purgeStreamSql = (t: TableNames): string =>
  `WITH stream AS (DELETE FROM ${t.streams} WHERE persistence_id = $1 RETURNING persistence_id),
events AS (DELETE FROM ${t.journal} WHERE persistence_id = $1 RETURNING 1)
SELECT (SELECT count(*) FROM events)::bigint AS events, (SELECT count(*) FROM stream)::bigint AS streams`;
