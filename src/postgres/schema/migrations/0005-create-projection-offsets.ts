/**
 * Version 5: projection offsets, so a projection writing to this database can commit its
 * results and its offset in one transaction (exactly-once).
 * @module
 */
import type { Migration } from './migration.js';

/** Creates the projection offset table. */
export const createProjectionOffsets: Migration = {
  version: 5,
  name: 'create projection offsets',
  sql: (t) => `
CREATE TABLE IF NOT EXISTS ${t.offsets} (
  projection_name text COLLATE "C" PRIMARY KEY,
  offset_value bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`,
};
