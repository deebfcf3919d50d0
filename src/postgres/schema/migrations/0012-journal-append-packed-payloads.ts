/**
 * Version 12: `memento_append_packed`, the batch append of version 11 with the payloads
 * sent as one `bytea` (all payloads back to back) plus each one's start and length, which
 * the function cuts out with `substring`. A `bytea[]` parameter travels as an array
 * literal with every payload hex-encoded: the driver escaped it byte by byte and the server
 * parsed and decoded it again, a cost per event on both sides of every batch; one `bytea`
 * is sent in binary and copied. And it takes the journal's advisory lock only after the
 * highest + 1 check has advanced the ids' streams rows, just before the insert allocates
 * orderings: the lock covers ordering allocation to commit, as readers by ordering need,
 * while the streams rows' updates of statements in flight run side by side instead of one
 * after another; the row locks already keep two writes of one id apart. Every writer takes
 * the row locks before the journal lock (the per-write transaction does too). The rest
 * (insert, NOTIFY) is version 11's. `memento_append` stays, so a process of the previous
 * release keeps working until it is replaced.
 * @module
 */
import type { Migration } from './migration.js';

/** Creates the packed-payload append function. */
export const journalAppendPackedPayloads: Migration = {
  version: 12,
  name: 'journal append with packed payloads',
  sql: (t) => `
CREATE OR REPLACE FUNCTION ${t.schema}.memento_append_packed(
  p_lock_class integer, p_lock_key text,
  p_ids text[], p_firsts bigint[], p_lasts bigint[],
  p_event_ids text[], p_sequence_nrs bigint[], p_timestamps bigint[], p_manifests text[], p_tags text[], p_writer_ids text[],
  p_payloads bytea, p_payload_starts integer[], p_payload_lengths integer[], p_metadata bytea[], p_write_ids uuid[],
  p_channel text, p_notify_schema text,
  OUT accepted text[], OUT max_ordering bigint)
LANGUAGE plpgsql AS $append$
BEGIN
  WITH input AS (
    SELECT w.persistence_id, w.first_nr, w.last_nr FROM unnest(p_ids, p_firsts, p_lasts) AS w(persistence_id, first_nr, last_nr)
  ),
  created AS (
    INSERT INTO ${t.streams} AS s (persistence_id, highest_sequence_nr)
    SELECT i.persistence_id, i.last_nr FROM input i WHERE i.first_nr = 1
    ON CONFLICT (persistence_id) DO NOTHING
    RETURNING s.persistence_id
  ),
  advanced AS (
    UPDATE ${t.streams} AS s SET highest_sequence_nr = i.last_nr, emptied_at = NULL
    FROM input i
    WHERE s.persistence_id = i.persistence_id AND i.first_nr > 1 AND s.highest_sequence_nr = i.first_nr - 1
    RETURNING s.persistence_id
  )
  SELECT array(SELECT c.persistence_id FROM created c UNION ALL SELECT a.persistence_id FROM advanced a) INTO accepted;
  IF cardinality(accepted) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(p_lock_class, hashtext(p_lock_key));
  WITH appended AS (
    INSERT INTO ${t.journal} (persistence_id, sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata, write_id)
    SELECT e.persistence_id, e.sequence_nr, e.timestamp_ms, e.manifest,
      CASE WHEN e.tags IS NULL THEN NULL ELSE ARRAY(SELECT json_array_elements_text(e.tags::json)) END,
      e.writer_id, substring(p_payloads FROM e.payload_start FOR e.payload_length), e.metadata, e.write_id
    FROM unnest(p_event_ids, p_sequence_nrs, p_timestamps, p_manifests, p_tags, p_writer_ids, p_payload_starts, p_payload_lengths, p_metadata, p_write_ids)
      AS e(persistence_id, sequence_nr, timestamp_ms, manifest, tags, writer_id, payload_start, payload_length, metadata, write_id)
    WHERE e.persistence_id = ANY (accepted)
    RETURNING ordering
  )
  SELECT max(ordering) INTO max_ordering FROM appended;
  IF p_channel IS NOT NULL THEN
    PERFORM pg_notify(p_channel, json_build_object('schema', p_notify_schema, 'ordering', max_ordering)::text);
  END IF;
END
$append$;`,
};
