/**
 * Version 4: a GIN index on tags, so eventsByTag does not scan the whole journal.
 * @module
 */
import type { Migration } from './migration.js';

/** Indexes the journal's tags. */
export const indexTags: Migration = {
  version: 4,
  name: 'index tags',
  sql: (t) => `
CREATE INDEX IF NOT EXISTS memento_journal_tags_idx ON ${t.journal} USING gin (tags);`,
};
