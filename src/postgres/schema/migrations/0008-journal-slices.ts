/**
 * Version 8: every event's entity type and slice (src/spi/slices.ts) as generated columns,
 * indexed for `eventsBySlices`. The slice is computed in the database by
 * `memento_slice_of`, the same hash as `sliceOf` (Java's `String.hashCode` over UTF-16
 * code units, modulo 1024), so existing rows get theirs when the migration rewrites the
 * table and no writer has to send it. The rewrite holds an exclusive lock on the journal
 * for its duration (docs/postgres.md).
 * @module
 */
import type { Migration } from './migration.js';

/** Adds entity type, slice and the slice index to the journal. */
export const journalSlices: Migration = {
  version: 8,
  name: 'journal slices',
  sql: (t) => `
CREATE OR REPLACE FUNCTION ${t.schema}.memento_slice_of(persistence_id text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $slice$
DECLARE
  hash bigint := 0;
  code integer;
BEGIN
  FOREACH code IN ARRAY ARRAY(SELECT ascii(c) FROM unnest(string_to_array(persistence_id, NULL)) AS c) LOOP
    IF code > 65535 THEN
      hash := (hash * 31 + 55296 + ((code - 65536) >> 10)) & 4294967295;
      hash := (hash * 31 + 56320 + ((code - 65536) & 1023)) & 4294967295;
    ELSE
      hash := (hash * 31 + code) & 4294967295;
    END IF;
  END LOOP;
  IF hash >= 2147483648 THEN hash := hash - 4294967296; END IF;
  RETURN abs(hash % 1024)::integer;
END
$slice$;
ALTER TABLE ${t.journal}
  ADD COLUMN IF NOT EXISTS entity_type text COLLATE "C" GENERATED ALWAYS AS (
    CASE WHEN strpos(persistence_id, '|') > 1 THEN left(persistence_id, strpos(persistence_id, '|') - 1) ELSE persistence_id END
  ) STORED,
  ADD COLUMN IF NOT EXISTS slice integer GENERATED ALWAYS AS (${t.schema}.memento_slice_of(persistence_id)) STORED;
CREATE INDEX IF NOT EXISTS memento_journal_slice_idx ON ${t.journal} (entity_type, slice, ordering);`,
};
