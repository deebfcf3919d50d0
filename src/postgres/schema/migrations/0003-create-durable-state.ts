/**
 * Version 3: the durable state table; `payload` is null once a value is deleted, the
 * revision stays so it is never reused.
 * @module
 */
import type { Migration } from './migration.js';

/** Creates the durable state table. */
export const createDurableState: Migration = {
  version: 3,
  name: 'create durable state',
  sql: (t) => `
CREATE TABLE IF NOT EXISTS ${t.state} (
  persistence_id text COLLATE "C" PRIMARY KEY,
  revision bigint NOT NULL CHECK (revision > 0),
  payload bytea,
  tag text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS memento_durable_state_tag_idx ON ${t.state} (tag) WHERE tag IS NOT NULL;`,
};
