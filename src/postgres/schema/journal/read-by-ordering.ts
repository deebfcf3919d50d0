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
