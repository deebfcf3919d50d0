/**
 * The durable state store's SQL, one statement per operation.
 * @module
 */

/** The current revision and payload (NULL once deleted). */
export const selectState = 'SELECT revision, payload FROM durable_state WHERE persistence_id = ?';

/** The current revision and tag, checked inside the change's transaction. */
export const selectRevision = 'SELECT revision, tag FROM durable_state WHERE persistence_id = ?';

/** Writes a change (an upsert, or a delete with a NULL payload). */
export const upsertState = `INSERT INTO durable_state (persistence_id, revision, payload, tag, updated_at, ordering)
VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(ordering), 0) + 1 FROM durable_state))
ON CONFLICT (persistence_id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload, tag = excluded.tag,
  updated_at = excluded.updated_at, ordering = excluded.ordering`;

/** Latest changes of tagged ids after an ordering, for changesByTag. */
export const selectChangesByTag = `SELECT persistence_id, revision, payload, tag, ordering, updated_at FROM durable_state
WHERE tag = ? AND ordering > ? ORDER BY ordering LIMIT ?`;

/** Ids with a stored state after an id (exclusive, '' for the start), in byte order. */
export const selectStateIds = 'SELECT persistence_id FROM durable_state WHERE persistence_id > ? ORDER BY persistence_id LIMIT ?';

/** The whole stored state: revision, payload, tag and time of the latest change. */
export const selectStoredState = 'SELECT revision, payload, tag, updated_at FROM durable_state WHERE persistence_id = ?';
