/**
 * Version 2: the snapshot table, keyed like the journal, indexed for timestamp criteria.
 * @module
 */
import type { Migration } from './migration.js';

/** Creates the snapshot table. */
export const createSnapshots: Migration = {
  version: 2,
  name: 'create snapshots',
  sql: (t) => `
CREATE TABLE IF NOT EXISTS ${t.snapshots} (
  persistence_id text COLLATE "C" NOT NULL,
  sequence_nr bigint NOT NULL CHECK (sequence_nr >= 0),
  timestamp_ms bigint NOT NULL,
  payload bytea NOT NULL,
  metadata bytea,
  PRIMARY KEY (persistence_id, sequence_nr)
);
CREATE INDEX IF NOT EXISTS memento_snapshots_timestamp_idx ON ${t.snapshots} (persistence_id, timestamp_ms);`,
};
