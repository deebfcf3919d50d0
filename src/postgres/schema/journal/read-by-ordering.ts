/**
 * Events after a global ordering, for queries. Safe without further filtering because
 * every writer holds the journal's advisory lock from allocating orderings to commit: a
 * reader never sees an ordering while a lower one can still commit.
 * @module
 */
import type { TableNames } from '../../identifier.js';
import { EVENT_ROW_COLUMNS } from './read-events.js';

/** `$1` after (exclusive), `$2` limit. */
export const readByOrderingSql = (t: TableNames): string =>
  `SELECT ${EVENT_ROW_COLUMNS} FROM ${t.journal} WHERE ordering > $1 ORDER BY ordering LIMIT $2`;

/** `$1` after (exclusive), `$2` limit, `$3` tag: tagged events only, through the GIN index. */
export const readByTagAndOrderingSql = (t: TableNames): string =>
  `SELECT ${EVENT_ROW_COLUMNS} FROM ${t.journal} WHERE ordering > $1 AND tags @> ARRAY[$3::text] ORDER BY ordering LIMIT $2`;

/** `$1` after (exclusive, '' for the start), `$2` limit: ids ever written, in byte order (COLLATE "C"). */
export const listPersistenceIdsSql = (t: TableNames): string =>
  `SELECT persistence_id FROM ${t.streams} WHERE persistence_id > $1 ORDER BY persistence_id LIMIT $2`;

/**
 * `$1` after (exclusive), `$2` limit, `$3` entity type, `$4` min slice, `$5` max slice: the
 * events of a slice range, through `memento_journal_slice_idx` (version 8).
 */
export const readBySlicesAndOrderingSql = (t: TableNames): string =>
  `SELECT ${EVENT_ROW_COLUMNS} FROM ${t.journal} WHERE entity_type = $3 AND slice BETWEEN $4 AND $5 AND ordering > $1 ORDER BY ordering LIMIT $2`;
