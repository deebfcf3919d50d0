/**
 * Reads one durable state.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` id; no row means revision 0. */
export const getStateSql = (t: TableNames): string => `SELECT revision, payload FROM ${t.state} WHERE persistence_id = $1`;

/** `$1` after (exclusive, '' for the start), `$2` limit: ids with a stored state, in byte order (COLLATE "C"). */
export const listStateIdsSql = (t: TableNames): string =>
  `SELECT persistence_id FROM ${t.state} WHERE persistence_id > $1 ORDER BY persistence_id LIMIT $2`;

/** `$1` id: the whole stored state, its time in epoch milliseconds. */
export const getStoredStateSql = (t: TableNames): string =>
  `SELECT revision, payload, tag, (extract(epoch FROM updated_at) * 1000)::bigint AS timestamp_ms FROM ${t.state} WHERE persistence_id = $1`;
