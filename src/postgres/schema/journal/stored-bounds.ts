/**
 * The first and the highest stored sequence number of an id, as scalar subqueries. Both read
 * one index entry with `ORDER BY ... LIMIT 1`, never `min()` / `max()`: whether PostgreSQL
 * reads those aggregates from one index entry or from every row of the id is a cost
 * estimate, and statistics older than the stream (a stream that grew since the last
 * `ANALYZE`) made it plan `min()` as a scan of the rest of the history on every replay page
 * (docs/postgres.md).
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** The first stored sequence number of `id` within `[from, to]` (null: none); each argument is SQL (a parameter or a literal). */
export const firstStoredSql = (t: TableNames, id: string, from: string, to: string): string =>
  `(SELECT sequence_nr FROM ${t.journal} WHERE persistence_id = ${id} AND sequence_nr >= ${from} AND sequence_nr <= ${to}
    ORDER BY sequence_nr LIMIT 1)`;

/** The highest stored sequence number of `id` (null: none); `id` is SQL (a parameter, a literal or a column). */
export const highestStoredSql = (t: TableNames, id: string): string =>
  `(SELECT sequence_nr FROM ${t.journal} WHERE persistence_id = ${id} ORDER BY sequence_nr DESC LIMIT 1)`;
