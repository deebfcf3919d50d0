/**
 * Projection offset SQL.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` projection name. */
export const loadOffsetSql = (t: TableNames): string => `SELECT offset_value FROM ${t.offsets} WHERE projection_name = $1`;

/** `$1` projection name, `$2` offset. */
export const saveOffsetSql = (t: TableNames): string =>
  `INSERT INTO ${t.offsets} (projection_name, offset_value) VALUES ($1, $2)
ON CONFLICT (projection_name) DO UPDATE SET offset_value = excluded.offset_value, updated_at = now()`;
