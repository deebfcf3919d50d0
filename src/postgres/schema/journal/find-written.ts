/**
 * The outcome check after an ambiguous write failure: which writes are stored, by id,
 * first sequence number and the write id stored with every event.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` ids, `$2` first sequence numbers, `$3` write ids; returns the write ids found. */
export const findWrittenSql = (t: TableNames): string =>
  `SELECT j.write_id::text AS write_id
FROM unnest($1::text[], $2::bigint[], $3::uuid[]) AS w(persistence_id, sequence_nr, write_id)
JOIN ${t.journal} j ON j.persistence_id = w.persistence_id AND j.sequence_nr = w.sequence_nr AND j.write_id = w.write_id`;

/**
 * Ends any backend still running a statement tagged `$1` (or idle in its transaction) and
 * waits for it to exit, so the outcome read next is final.
 */
export const settleAbandonedSql = `SELECT pid, pg_terminate_backend(pid, 10000) AS terminated FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND state <> 'idle' AND starts_with(query, $1)`;
