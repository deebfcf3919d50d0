/**
 * Version 1: the journal and the per-id table of highest sequence numbers.
 *
 * `memento_journal_streams` keeps the highest sequence number of every id, so it survives
 * `deleteTo` and every append checks and advances it under a row lock. `ordering` is the
 * global position read by queries; writers take one advisory lock from allocating it to
 * commit, so orderings become visible in increasing order (see docs/postgres.md).
 * @module
 */
import type { Migration } from './migration.js';

/** Creates the journal tables. */
export const createJournal: Migration = {
  version: 1,
  name: 'create journal',
  sql: (t) => `
CREATE TABLE IF NOT EXISTS ${t.streams} (
  persistence_id text COLLATE "C" PRIMARY KEY,
  highest_sequence_nr bigint NOT NULL CHECK (highest_sequence_nr > 0)
);
CREATE TABLE IF NOT EXISTS ${t.journal} (
  ordering bigint GENERATED ALWAYS AS IDENTITY,
  persistence_id text COLLATE "C" NOT NULL,
  sequence_nr bigint NOT NULL CHECK (sequence_nr > 0),
  timestamp_ms bigint NOT NULL,
  manifest text,
  tags text[],
  writer_id text,
  payload bytea NOT NULL,
  metadata bytea,
  write_id uuid NOT NULL,
  PRIMARY KEY (persistence_id, sequence_nr)
);
CREATE UNIQUE INDEX IF NOT EXISTS memento_journal_ordering_idx ON ${t.journal} (ordering);`,
};
