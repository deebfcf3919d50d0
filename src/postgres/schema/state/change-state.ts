/**
 * Changes one durable state to a new revision, only if it is current + 1. Revision 1
 * inserts (a concurrent first writer makes it insert nothing); later revisions update
 * only the row still at revision - 1. No row changed means a conflict.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` id, `$2` revision (1), `$3` payload or null, `$4` tag. */
export const insertStateSql = (t: TableNames): string =>
  `INSERT INTO ${t.state} (persistence_id, revision, payload, tag, updated_at) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (persistence_id) DO NOTHING`;

/** `$1` id, `$2` revision (> 1), `$3` payload or null, `$4` tag. */
export const updateStateSql = (t: TableNames): string =>
  `UPDATE ${t.state} SET revision = $2, payload = $3, tag = $4, updated_at = now() WHERE persistence_id = $1 AND revision = $2 - 1`;

/** The outcome check after a lost connection: `$1` id, `$2` revision, `$3` payload; a row when that change is stored. */
export const findStateSql = (t: TableNames): string =>
  `SELECT 1 FROM ${t.state} WHERE persistence_id = $1 AND revision = $2 AND payload IS NOT DISTINCT FROM $3`;
