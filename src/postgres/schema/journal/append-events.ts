/**
 * The append statement: one statement (so one implicit transaction and one round trip)
 * for a whole batch of AtomicWrites to distinct ids. It takes the journal's advisory lock,
 * advances each id's highest sequence number only where the write starts at highest + 1
 * (clearing the time it was emptied, so a purge of emptied streams passes it by), inserts the events of exactly those writes, and notifies listeners. A write whose check
 * fails inserts nothing; the others are unaffected, so each write stays all-or-nothing.
 * @module
 */
import type { StoredEvent } from '../../../spi/journal-support.js';
import type { TableNames } from '../../identifier.js';

/** Advisory lock class held by journal writers from ordering allocation to commit ("MEMJ"). */
export const JOURNAL_LOCK_CLASS = 0x4d454d4a;

/** Most events one statement carries. */
export const MAX_EVENTS_PER_STATEMENT = 5_000;

/** One AtomicWrite as the append statement sends it. */
export interface AppendWrite {
  readonly persistenceId: string;
  readonly writeId: string;
  readonly rows: readonly StoredEvent[];
}

/** A statement and its parameters. */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/** Where the append notifies: channel and the schema named in the payload. */
export interface NotifyTarget {
  readonly channel: string;
  readonly schema: string;
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The events of `writes` as nine column arrays, pushed onto `values`; returns the
 * `unnest(...)` source reading them. One parameter per column keeps the statement text
 * small and its parse cost flat however many events it carries.
 */
export function eventSource(writes: readonly AppendWrite[], values: unknown[]): string {
  const columns: unknown[][] = Array.from({ length: 9 }, () => []);
  const [ids, seqs, times, manifests, tags, writers, payloads, metadata, writeIds] = columns as [
    unknown[],
    unknown[],
    unknown[],
    unknown[],
    unknown[],
    unknown[],
    unknown[],
    unknown[],
    unknown[],
  ];
  for (const write of writes) {
    for (const row of write.rows) {
      ids.push(row.persistenceId);
      seqs.push(row.sequenceNr);
      times.push(row.timestamp);
      manifests.push(row.manifest ?? null);
      // Arrays of arrays would flatten in unnest: tags travel as JSON text per row.
      tags.push(row.tags ? JSON.stringify(row.tags) : null);
      writers.push(row.writerId ?? null);
      payloads.push(asBuffer(row.payload));
      metadata.push(row.metadata ? asBuffer(row.metadata) : null);
      writeIds.push(write.writeId);
    }
  }
  const at = values.length;
  values.push(...columns);
  const p = (offset: number) => `$${at + offset}`;
  return `(SELECT e.persistence_id, e.sequence_nr, e.timestamp_ms, e.manifest,
      CASE WHEN e.tags IS NULL THEN NULL ELSE ARRAY(SELECT json_array_elements_text(e.tags::json)) END AS tags,
      e.writer_id, e.payload, e.metadata, e.write_id
    FROM unnest(${p(1)}::text[], ${p(2)}::bigint[], ${p(3)}::bigint[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[], ${p(7)}::bytea[], ${p(8)}::bytea[], ${p(9)}::uuid[])
      AS e(persistence_id, sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata, write_id))`;
}

/** True when the writes fit in one statement. */
export function fitsOneStatement(eventCount: number): boolean {
  return eventCount <= MAX_EVENTS_PER_STATEMENT;
}

const EVENT_COLUMNS = 'persistence_id, sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata, write_id';

/**
 * The batch append. `writes` must have distinct persistence ids. Returns one row:
 * `accepted` (ids whose events were inserted) and `max_ordering`.
 */
export function appendEventsStatement(
  t: TableNames,
  schema: string,
  writes: readonly AppendWrite[],
  marker: string,
  notify: NotifyTarget | undefined,
): Statement {
  const values: unknown[] = [
    JOURNAL_LOCK_CLASS,
    schema,
    writes.map((w) => w.persistenceId),
    writes.map((w) => w.rows[0]?.sequenceNr ?? 0),
    writes.map((w) => w.rows[w.rows.length - 1]?.sequenceNr ?? 0),
  ];
  let notifySql = 'NULL';
  if (notify) {
    values.push(notify.channel, notify.schema);
    notifySql = `(SELECT pg_notify($6, json_build_object('schema', $7::text, 'ordering', max(ordering))::text) FROM appended HAVING count(*) > 0)`;
  }
  const source = eventSource(writes, values);
  // Every data-changing part reads `input`, which joins `lock`: nothing is written, and no
  // ordering is allocated, before the advisory lock is held.
  const text = `/* ${marker} */
WITH lock AS (SELECT pg_advisory_xact_lock($1::int, hashtext($2::text)) AS locked),
input AS (
  SELECT w.persistence_id, w.first_nr, w.last_nr
  FROM lock, unnest($3::text[], $4::bigint[], $5::bigint[]) AS w(persistence_id, first_nr, last_nr)
),
created AS (
  INSERT INTO ${t.streams} AS s (persistence_id, highest_sequence_nr)
  SELECT persistence_id, last_nr FROM input WHERE first_nr = 1
  ON CONFLICT (persistence_id) DO NOTHING
  RETURNING s.persistence_id
),
advanced AS (
  UPDATE ${t.streams} AS s SET highest_sequence_nr = i.last_nr, emptied_at = NULL
  FROM input i
  WHERE s.persistence_id = i.persistence_id AND i.first_nr > 1 AND s.highest_sequence_nr = i.first_nr - 1
  RETURNING s.persistence_id
),
accepted AS (SELECT persistence_id FROM created UNION ALL SELECT persistence_id FROM advanced),
appended AS (
  INSERT INTO ${t.journal} (${EVENT_COLUMNS})
  SELECT e.* FROM ${source} AS e
  WHERE e.persistence_id IN (SELECT persistence_id FROM accepted)
  RETURNING ordering
)
SELECT array(SELECT persistence_id FROM accepted) AS accepted,
  (SELECT max(ordering) FROM appended) AS max_ordering,
  ${notifySql} AS notified`;
  return { text, values };
}
