/**
 * Version 3: a global ordering of durable state changes, so `changesByTag` can resume
 * after an offset. SQLite's single writer makes `max(ordering) + 1` safe.
 * @module
 */
import type { Migration } from './migration.js';

/** Adds and indexes the change ordering. */
export const durableStateOrdering: Migration = {
  version: 3,
  description: 'durable state change ordering',
  sql: `
ALTER TABLE durable_state ADD COLUMN ordering INTEGER;
UPDATE durable_state SET ordering = rowid;
CREATE INDEX durable_state_by_ordering ON durable_state (ordering);
CREATE INDEX durable_state_by_tag_ordering ON durable_state (tag, ordering) WHERE tag IS NOT NULL;
`,
};
