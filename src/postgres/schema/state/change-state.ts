/**
 * Changes one durable state to a new revision, only if it is current + 1. Revision 1
 * inserts (a concurrent first writer makes it insert nothing); later revisions update
 * only the row still at revision - 1. No row changed means a conflict. The same statement
 * gives the id a new ordering in the change table, so the state row itself never changes
 * an indexed column (its updates stay HOT).
 * @module
 */
import type { TableNames } from '../../identifier.js';

/**
 * The next change ordering, drawn only once the state advisory lock is held (it stays held
 * to commit), so readers see orderings in increasing order.
 */
const nextOrdering = (t: TableNames): string =>
  `(SELECT nextval('${t.stateOrdering.replace(/'/g, "''")}') FROM (SELECT pg_advisory_xact_lock(hashtext('memento_durable_state'), hashtext('${t.schema.replace(/'/g, "''")}'))) AS l)`;

/** `$1` id, `$2` revision (1), `$3` payload or null, `$4` tag. */
export const insertStateSql = (t: TableNames): string =>
  `INSERT INTO ${t.state} (persistence_id, revision, payload, tag, updated_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (persistence_id) DO NOTHING`;

/** `$1` id, `$2` revision, `$3` payload or null, `$4` tag, `$5` epoch ms: a whole state for an id never written (else nothing). */
export const restoreStateSql = (t: TableNames): string =>
  `INSERT INTO ${t.state} (persistence_id, revision, payload, tag, updated_at)
VALUES ($1, $2, $3, $4, to_timestamp($5::double precision / 1000))
ON CONFLICT (persistence_id) DO NOTHING`;

/**
 * `$1` id, `$2` revision (> 1), `$3` payload or null (a deletion, which keeps the tag), `$4` tag.
 * It writes no indexed column, so PostgreSQL can make it a HOT update.
 */
export const updateStateSql = (t: TableNames): string =>
  `UPDATE ${t.state} SET revision = $2, payload = $3, tag = CASE WHEN $3::bytea IS NULL THEN tag ELSE $4 END, updated_at = now()
WHERE persistence_id = $1 AND revision = $2 - 1`;

/** Parameter numbers of the NOTIFY channel and schema in a notifying change statement. */
export interface NotifyParameters {
  readonly channel: number;
  readonly schema: number;
}

/**
 * `stateSql` (one INSERT or UPDATE of a state row) that also gives the changed id a new
 * ordering in the change table, in the same statement, returning one row per changed state:
 * its `ordering`, or with `notify` the NOTIFY of `{"schema", "ordering"}` on that channel
 * (sent when the change commits, so live queries wake up on it).
 */
export const recordedChangeSql = (t: TableNames, stateSql: string, notify?: NotifyParameters): string => {
  const result = notify
    ? `pg_notify($${notify.channel}, json_build_object('schema', $${notify.schema}::text, 'ordering', ordering)::text)`
    : 'ordering';
  return `WITH state AS (${stateSql} RETURNING persistence_id, tag),
change AS (
  INSERT INTO ${t.stateChanges} AS c (persistence_id, tag, ordering) SELECT persistence_id, tag, ${nextOrdering(t)} FROM state
  ON CONFLICT (persistence_id) DO UPDATE SET tag = excluded.tag, ordering = excluded.ordering
  RETURNING c.ordering
)
SELECT ${result} FROM change`;
};

/** `$1` tag, `$2` after ordering, `$3` limit: the latest change of each tagged id, by ordering. */
export const changesByTagSql = (t: TableNames): string =>
  `SELECT s.persistence_id, s.revision, s.payload, c.tag, c.ordering, (extract(epoch FROM s.updated_at) * 1000)::bigint AS timestamp_ms
FROM ${t.stateChanges} c JOIN ${t.state} s ON s.persistence_id = c.persistence_id
WHERE c.tag = $1 AND c.ordering > $2 ORDER BY c.ordering LIMIT $3`;

/** The outcome check after a lost connection: `$1` id, `$2` revision, `$3` payload; a row when that change is stored. */
export const findStateSql = (t: TableNames): string =>
  `SELECT 1 FROM ${t.state} WHERE persistence_id = $1 AND revision = $2 AND payload IS NOT DISTINCT FROM $3`;

/**
 * `$1` retention in milliseconds: deletes durable states deleted (tombstones) longer ago
 * than that, with their change rows, returning their ids. Their revision is forgotten: a
 * later write starts at 1.
 */
export const purgeDeletedStatesSql = (t: TableNames): string =>
  `WITH purged AS (
  DELETE FROM ${t.state} WHERE payload IS NULL AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
  RETURNING persistence_id
),
changes AS (DELETE FROM ${t.stateChanges} c USING purged p WHERE c.persistence_id = p.persistence_id)
SELECT persistence_id FROM purged`;
