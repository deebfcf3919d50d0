/**
 * Version 2: projection offsets, so a projection writing to this file can commit its
 * results and its offset in one transaction (exactly-once).
 * @module
 */
import type { Migration } from './migration.js';

/** Adds the projection offset table. */
export const projectionOffsets: Migration = {
  version: 2,
  description: 'projection offsets',
  sql: `
CREATE TABLE projection_offsets (
  projection_name TEXT    NOT NULL PRIMARY KEY,
  offset_value    INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
`,
};
