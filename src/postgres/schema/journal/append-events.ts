/**
 * The append statement: one statement (so one implicit transaction and one round trip)
 * for a whole batch of AtomicWrites. It advances each id's highest sequence number only
 * where the id's writes start at highest + 1 (clearing the time it was emptied, so a purge
 * of emptied streams passes it by), then takes the journal's advisory lock, inserts the
 * events of exactly those ids and notifies listeners. A write whose check fails inserts
 * nothing; the others are unaffected, so each write stays all-or-nothing.
 * @module
 */
import type { StoredEvent } from '../../../spi/journal-support.js';
import type { TableNames } from '../../identifier.js';
import { integerArrayLiteral, textArrayLiteral } from './array-literals.js';

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
 * The events of `writes` as nine column arrays, in the order of the journal's event columns;
 * the payload column stays empty without `withPayloads` (the batch append packs them).
 */
function eventColumns(writes: readonly AppendWrite[], withPayloads = true): unknown[][] {
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
      if (withPayloads) payloads.push(asBuffer(row.payload));
      metadata.push(row.metadata ? asBuffer(row.metadata) : null);
      writeIds.push(write.writeId);
    }
  }
  return columns;
}

/**
 * The events of `writes` as nine column arrays, pushed onto `values`; returns the
 * `unnest(...)` source reading them. One parameter per column keeps the statement text
 * small and its parse cost flat however many events it carries.
 */
export function eventSource(writes: readonly AppendWrite[], values: unknown[]): string {
  const at = values.length;
  values.push(...eventColumns(writes));
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

/**
 * The payloads of `writes`' events back to back, with each one's 1-based start and length:
 * one binary parameter instead of a `bytea[]` literal hex-encoded event by event.
 */
function packedPayloads(writes: readonly AppendWrite[]): { payloads: Buffer; starts: number[]; lengths: number[] } {
  const parts: Buffer[] = [];
  const starts: number[] = [];
  const lengths: number[] = [];
  let at = 1;
  for (const write of writes) {
    for (const row of write.rows) {
      const payload = asBuffer(row.payload);
      parts.push(payload);
      starts.push(at);
      lengths.push(payload.length);
      at += payload.length;
    }
  }
  return { payloads: Buffer.concat(parts, at - 1), starts, lengths };
}

/**
 * The batch append: one call of `memento_append_packed` (migration 12), so one implicit
 * transaction and one round trip, whose plans the session keeps. Writes of one id must be
 * consecutive in sequence numbers and in call order: the id's writes are checked as one run,
 * all stored or none. Returns one row: `accepted` (ids whose events were inserted) and
 * `max_ordering`.
 */
export function appendEventsStatement(
  t: TableNames,
  schema: string,
  writes: readonly AppendWrite[],
  marker: string,
  notify: NotifyTarget | undefined,
): Statement {
  const [ids, seqs, times, manifests, tags, writers, , metadata, writeIds] = eventColumns(writes, false);
  const { payloads, starts, lengths } = packedPayloads(writes);
  // Each id's writes are checked as one run: from its first write's first number to its last write's last.
  const runs = new Map<string, { first: number; last: number }>();
  for (const write of writes) {
    const first = write.rows[0]?.sequenceNr ?? 0;
    const last = write.rows[write.rows.length - 1]?.sequenceNr ?? 0;
    const run = runs.get(write.persistenceId);
    if (run) run.last = last;
    else runs.set(write.persistenceId, { first, last });
  }
  // In id order, so concurrent statements of several processes lock streams rows in one order.
  const order = [...runs.keys()].sort();
  // Array columns go as literals built here; metadata (bytea, rarely set) is left to pg.
  const values: unknown[] = [
    JOURNAL_LOCK_CLASS,
    schema,
    textArrayLiteral(order),
    integerArrayLiteral(order.map((id) => runs.get(id)?.first ?? 0)),
    integerArrayLiteral(order.map((id) => runs.get(id)?.last ?? 0)),
    textArrayLiteral(ids as string[]),
    integerArrayLiteral(seqs as number[]),
    integerArrayLiteral(times as number[]),
    textArrayLiteral(manifests as (string | null)[]),
    textArrayLiteral(tags as (string | null)[]),
    textArrayLiteral(writers as (string | null)[]),
    payloads,
    integerArrayLiteral(starts),
    integerArrayLiteral(lengths),
    metadata,
    textArrayLiteral(writeIds as string[]),
    notify?.channel ?? null,
    notify?.schema ?? null,
  ];
  const text = `/* ${marker} */ SELECT accepted, max_ordering FROM ${t.schema}.memento_append_packed($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`;
  return { text, values };
}
