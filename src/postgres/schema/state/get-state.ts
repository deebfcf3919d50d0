/**
 * Reads one durable state.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` id; no row means revision 0. */
export const getStateSql = (t: TableNames): string => `SELECT revision, payload FROM ${t.state} WHERE persistence_id = $1`;
