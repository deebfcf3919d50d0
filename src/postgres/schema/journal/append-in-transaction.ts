/**
 * Statements of the per-write path, used for writes too large for one statement and after
 * a batch hit a duplicate key: BEGIN, lock, advance, insert in chunks, notify, COMMIT.
 * @module
 */
import type { TableNames } from '../../identifier.js';
import { type AppendWrite, eventSource, JOURNAL_LOCK_CLASS, type Statement } from './append-events.js';

/** Takes the journal's advisory lock for the rest of the transaction. */
export const lockJournalStatement = (schema: string, marker: string): Statement => ({
  text: `/* ${marker} */ SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))`,
  values: [JOURNAL_LOCK_CLASS, schema],
});

/** Advances one id's highest sequence number when the write starts at highest + 1; one row when it did. */
export function advanceStreamStatement(t: TableNames, write: AppendWrite, marker: string): Statement {
  const first = write.rows[0]?.sequenceNr ?? 0;
  const last = write.rows[write.rows.length - 1]?.sequenceNr ?? 0;
  if (first === 1) {
    return {
      text: `/* ${marker} */ INSERT INTO ${t.streams} (persistence_id, highest_sequence_nr) VALUES ($1, $2) ON CONFLICT (persistence_id) DO NOTHING RETURNING persistence_id`,
      values: [write.persistenceId, last],
    };
  }
  return {
    text: `/* ${marker} */ UPDATE ${t.streams} SET highest_sequence_nr = $3, emptied_at = NULL WHERE persistence_id = $1 AND highest_sequence_nr = $2 - 1 RETURNING persistence_id`,
    values: [write.persistenceId, first, last],
  };
}

/** Inserts some rows of one write (a chunk that fits one statement). */
export function insertEventsStatement(t: TableNames, write: AppendWrite, marker: string): Statement {
  const values: unknown[] = [];
  const source = eventSource([write], values);
  return {
    text: `/* ${marker} */ INSERT INTO ${t.journal} (persistence_id, sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata, write_id) SELECT * FROM ${source} AS e RETURNING ordering`,
    values,
  };
}
