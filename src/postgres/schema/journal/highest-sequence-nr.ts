/**
 * Highest sequence numbers, from the per-id table that deletion never touches.
 * @module
 */
import type { TableNames } from '../../identifier.js';
import { highestStoredSql } from './stored-bounds.js';

/** `$1` id; the recorded highest (null: none) and the highest stored row (null: none), to check they agree. */
export const highestSequenceNrSql = (t: TableNames): string =>
  `SELECT (SELECT highest_sequence_nr FROM ${t.streams} WHERE persistence_id = $1) AS highest_sequence_nr,
  ${highestStoredSql(t, '$1')} AS highest_stored`;

/**
 * `$1` ids: for each (one row, in order `i`), the same two values as highestSequenceNrSql,
 * so reads that arrive together take one round trip.
 */
export const highestSequenceNrBatchSql = (t: TableNames): string =>
  `SELECT ids.i, (SELECT highest_sequence_nr FROM ${t.streams} WHERE persistence_id = ids.id) AS highest_sequence_nr,
  ${highestStoredSql(t, 'ids.id')} AS highest_stored
  FROM unnest($1::text[]) WITH ORDINALITY AS ids(id, i) ORDER BY ids.i`;

/** `$1` ids; rows for the ids that have any. */
export const highestSequenceNrsSql = (t: TableNames): string =>
  `SELECT persistence_id, highest_sequence_nr FROM ${t.streams} WHERE persistence_id = ANY($1::text[])`;

/** `$1` id; the highest event row still stored, for duplicates found behind the table's back. */
export const highestStoredEventSql = (t: TableNames): string => `SELECT ${highestStoredSql(t, '$1')} AS highest`;
