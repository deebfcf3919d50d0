/**
 * Version 6: a global ordering of durable state changes, for `changesByTag`. Changes take
 * an advisory lock before drawing from the sequence and hold it to commit, so orderings
 * become visible in increasing order (the journal's technique; see docs/postgres.md).
 * @module
 */
import type { Migration } from './migration.js';

/** Adds the change ordering. */
export const durableStateOrdering: Migration = {
  version: 6,
  name: 'durable state ordering',
  sql: (t) => `
CREATE SEQUENCE IF NOT EXISTS ${t.stateOrdering};
ALTER TABLE ${t.state} ADD COLUMN IF NOT EXISTS ordering bigint;
CREATE INDEX IF NOT EXISTS memento_durable_state_tag_ordering_idx ON ${t.state} (tag, ordering) WHERE tag IS NOT NULL;`,
};
