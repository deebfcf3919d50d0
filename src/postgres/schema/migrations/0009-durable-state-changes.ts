/**
 * Version 9: the change ordering of durable states moves out of the state row into
 * `memento_durable_state_changes`, one row per id holding its tag and latest ordering,
 * indexed for `changesByTag`. The state row then has no index on a column an ordinary
 * change writes, so its updates are HOT (updated in place, no new index entries); each
 * change upserts the id's narrow change row instead. Pages of the state table keep free
 * space (fillfactor 70) for the new version of a row, which a HOT update needs on the same
 * page; rows already stored keep their pages. Orderings already given are copied,
 * so change queries resume where they were. States written before version 6 have no
 * ordering and stay out of change queries until their next change, as before.
 *
 * The index keeps version 6's name, `memento_durable_state_tag_ordering_idx`, now on the
 * change table: re-running the whole schema SQL (`schemaSql`) then finds it and does not
 * build version 6's index on the state table again. Version 6 re-adds the (empty) `ordering`
 * column on such a re-run, so the column is dropped again outside the guarded copy.
 * @module
 */
import type { Migration } from './migration.js';

/** Moves the durable state ordering into its own table. */
export const durableStateChanges: Migration = {
  version: 9,
  name: 'durable state changes',
  sql: (t) => `
CREATE TABLE IF NOT EXISTS ${t.stateChanges} (
  persistence_id text COLLATE "C" PRIMARY KEY,
  tag text,
  ordering bigint NOT NULL
);
DO $changes$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${t.migrations} WHERE version = 9) THEN
    INSERT INTO ${t.stateChanges} (persistence_id, tag, ordering)
    SELECT persistence_id, tag, ordering FROM ${t.state} WHERE ordering IS NOT NULL
    ON CONFLICT (persistence_id) DO NOTHING;
    DROP INDEX IF EXISTS ${t.schema}.memento_durable_state_tag_ordering_idx;
  END IF;
END $changes$;
CREATE INDEX IF NOT EXISTS memento_durable_state_tag_ordering_idx ON ${t.stateChanges} (tag, ordering) WHERE tag IS NOT NULL;
ALTER TABLE ${t.state} DROP COLUMN IF EXISTS ordering;
ALTER TABLE ${t.state} SET (fillfactor = 70);`,
};
