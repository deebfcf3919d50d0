/**
 * Schema version 1: journal, tags, highest sequence numbers, snapshots, durable state.
 * @module
 */
import type { Migration } from './migration.js';

/** `application_id` stamped on every Memento file ("MMTO"), so a foreign database is recognised. */
export const APPLICATION_ID = 0x4d4d544f;

/** Creates every table of the first release. */
export const initialSchema: Migration = {
  version: 1,
  description: 'journal, event tags, highest sequence numbers, snapshots and durable state',
  sql: `
PRAGMA application_id = ${APPLICATION_ID};

-- AUTOINCREMENT so a global ordering is never reused after deleteTo: query offsets stay valid.
CREATE TABLE journal (
  ordering       INTEGER PRIMARY KEY AUTOINCREMENT,
  persistence_id TEXT    NOT NULL,
  sequence_nr    INTEGER NOT NULL,
  timestamp      INTEGER NOT NULL,
  manifest       TEXT,
  writer_id      TEXT,
  tags           TEXT,
  payload        BLOB    NOT NULL,
  metadata       BLOB,
  UNIQUE (persistence_id, sequence_nr)
);

-- One row per (tag, event), so eventsByTag is an index range scan in global order.
CREATE TABLE event_tags (
  tag      TEXT    NOT NULL,
  ordering INTEGER NOT NULL,
  PRIMARY KEY (tag, ordering)
) WITHOUT ROWID;

-- Survives deleteTo, so sequence numbers are never reused.
CREATE TABLE journal_highest (
  persistence_id TEXT    NOT NULL PRIMARY KEY,
  highest        INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE snapshots (
  persistence_id TEXT    NOT NULL,
  sequence_nr    INTEGER NOT NULL,
  timestamp      INTEGER NOT NULL,
  payload        BLOB    NOT NULL,
  metadata       BLOB,
  PRIMARY KEY (persistence_id, sequence_nr)
);

CREATE TABLE durable_state (
  persistence_id TEXT    NOT NULL PRIMARY KEY,
  revision       INTEGER NOT NULL,
  payload        BLOB,
  tag            TEXT,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX durable_state_by_tag ON durable_state (tag) WHERE tag IS NOT NULL;
`,
};
