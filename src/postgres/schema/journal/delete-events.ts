/**
 * Deletes an id's events up to a sequence number; the highest stays in the streams table.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` id, `$2` to (inclusive). */
export const deleteEventsSql = (t: TableNames): string => `DELETE FROM ${t.journal} WHERE persistence_id = $1 AND sequence_nr <= $2`;
