/**
 * Version 10: `memento_journal_streams.emptied_at`, when `deleteTo` last removed every event
 * of the id (null while it has events), so `PostgresJournal.purgeDeleted` can forget ids
 * emptied longer ago than a retention. Appends set it back to null. Ids already without
 * events count as emptied when the migration runs (once: re-running the schema SQL skips
 * the scan); their real deletion time is not known.
 * @module
 */
import type { Migration } from './migration.js';

/** Records when a journal stream was emptied. */
export const journalStreamsEmptied: Migration = {
  version: 10,
  name: 'journal streams emptied at',
  sql: (t) => `
ALTER TABLE ${t.streams} ADD COLUMN IF NOT EXISTS emptied_at timestamptz;
DO $emptied$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${t.migrations} WHERE version = 10) THEN
    UPDATE ${t.streams} s SET emptied_at = now()
    WHERE NOT EXISTS (SELECT 1 FROM ${t.journal} j WHERE j.persistence_id = s.persistence_id);
  END IF;
END $emptied$;
CREATE INDEX IF NOT EXISTS memento_journal_streams_emptied_idx ON ${t.streams} (emptied_at) WHERE emptied_at IS NOT NULL;`,
};
