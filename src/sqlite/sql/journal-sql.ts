/**
 * The journal's SQL, one statement per operation.
 * @module
 */
import { packedPageQuery, rangePageQuery } from '../event-pages.js';

/** Most events one INSERT stores: 16 rows x 8 parameters stays far below SQLite's parameter limit. */
export const MAX_ROWS_PER_INSERT = 16;

/**
 * Most events the group commit gathers, from several writes, into one INSERT: statements
 * run one by one dominate a commit of many small writes, and 100 rows x 8 parameters stays
 * far below SQLite's parameter limit.
 */
export const MAX_ROWS_PER_GATHERED_INSERT = 100;

/** Stores `rows` events with one statement (statement-atomic: all rows or none); `ordering` is assigned by SQLite. */
export const insertEvents = (rows: number): string =>
  `INSERT INTO journal (persistence_id, sequence_nr, timestamp, manifest, writer_id, tags, payload, metadata) VALUES ${Array.from(
    { length: rows },
    () => '(?, ?, ?, ?, ?, ?, ?, ?)',
  ).join(', ')}`;

/**
 * {@link insertEvents} of rows without manifest, tags or metadata (most events), those columns
 * left out and so stored NULL: SQLite binds fewer values per row.
 */
export const insertBareEvents = (rows: number): string =>
  `INSERT INTO journal (persistence_id, sequence_nr, timestamp, writer_id, payload) VALUES ${Array.from(
    { length: rows },
    () => '(?, ?, ?, ?, ?)',
  ).join(', ')}`;

/** Indexes one tag of a stored event for eventsByTag. */
export const insertTag = 'INSERT INTO event_tags (tag, ordering) VALUES (?, ?)';

/** The highest sequence number ever written for an id. */
export const selectHighest = 'SELECT highest FROM journal_highest WHERE persistence_id = ?';

/** The recorded highest sequence number of an id and its highest stored row, to check they agree (the id twice). */
export const selectHighestAndStored = `SELECT (SELECT highest FROM journal_highest WHERE persistence_id = ?),
(SELECT max(sequence_nr) FROM journal WHERE persistence_id = ?)`;

/** The highest sequence numbers of the ids in a JSON array, one row `[id, highest]` per id that has one. */
export const selectHighestOfIds =
  'SELECT persistence_id, highest FROM journal_highest WHERE persistence_id IN (SELECT value FROM json_each(?))';

/**
 * Ids per statement recording new highest sequence numbers, largest first: a group's ids go
 * out in chunks of these sizes, so a connection prepares at most this many statements. Bound
 * values cost SQLite less than parsing the same pairs out of JSON.
 */
export const HIGHEST_CHUNKS = [64, 16, 4, 1] as const;

/** Records new highest sequence numbers of `ids` ids, bound as id, highest, id, highest, ... */
export const upsertHighest = (ids: number): string =>
  `INSERT INTO journal_highest (persistence_id, highest) VALUES ${Array.from({ length: ids }, () => '(?, ?)').join(', ')}
ON CONFLICT (persistence_id) DO UPDATE SET highest = excluded.highest`;

/**
 * What tells whether the file changed since a transaction of this connection: data_version
 * moves when another connection commits, total_changes() when this one writes.
 */
export const selectVersion = 'SELECT (SELECT data_version FROM pragma_data_version), total_changes()';

/** The highest stored event, for explaining a unique violation when journal_highest lags. */
export const selectMaxStored = 'SELECT max(sequence_nr) FROM journal WHERE persistence_id = ?';

/** One page of a replay, keyset-paginated on sequence_nr, packed into one row (see event-pages). */
export const selectPage = packedPageQuery(
  `SELECT ordering, sequence_nr, timestamp, manifest, writer_id, tags, payload, metadata FROM journal
WHERE persistence_id = ? AND sequence_nr >= ? AND sequence_nr <= ? ORDER BY sequence_nr LIMIT ?`,
  false,
);

/**
 * One page of a replay as the rows of a range of sequence numbers (the id twice, then the
 * range's ends): no per-row numbers but the timestamps, and the id's highest stored sequence
 * number, which tells a short page at the end from one with a gap (see rangePageQuery).
 */
export const selectRange = rangePageQuery(
  'FROM journal WHERE persistence_id = ? AND sequence_nr >= ? AND sequence_nr <= ?',
  '(SELECT max(sequence_nr) FROM journal WHERE persistence_id = ?)',
);

/** Drops the tag rows of the events deleteTo removes (a primary-key lookup per tag). */
export const deleteTags = `DELETE FROM event_tags WHERE (tag, ordering) IN
(SELECT t.value, j.ordering FROM journal j, json_each(j.tags) t WHERE j.persistence_id = ? AND j.sequence_nr <= ? AND j.tags IS NOT NULL)`;

/** Deletes events up to a sequence number. */
export const deleteEvents = 'DELETE FROM journal WHERE persistence_id = ? AND sequence_nr <= ?';

/** Events after a global ordering, for queries, packed; SQLite's single writer makes orderings commit in order. */
export const selectByOrdering = packedPageQuery(
  `SELECT ordering, persistence_id, sequence_nr, timestamp, manifest, writer_id, tags, payload, metadata
FROM journal WHERE ordering > ? ORDER BY ordering LIMIT ?`,
  true,
);

/** Tagged events after a global ordering, through the tag index, packed. */
export const selectByTagAndOrdering = packedPageQuery(
  `SELECT j.ordering AS ordering, j.persistence_id AS persistence_id, j.sequence_nr AS sequence_nr, j.timestamp AS timestamp,
j.manifest AS manifest, j.writer_id AS writer_id, j.tags AS tags, j.payload AS payload, j.metadata AS metadata
FROM event_tags t JOIN journal j ON j.ordering = t.ordering WHERE t.tag = ? AND t.ordering > ? ORDER BY t.ordering LIMIT ?`,
  true,
);

/** Persistence ids ever written, in byte order, after a given one. */
export const selectPersistenceIds = 'SELECT persistence_id FROM journal_highest WHERE persistence_id > ? ORDER BY persistence_id LIMIT ?';
