/**
 * The durable state store's SQL, one statement per operation.
 * @module
 */

/** The current revision and payload (NULL once deleted). */
export const selectState = 'SELECT revision, payload FROM durable_state WHERE persistence_id = ?';

/** The current revision only, checked inside the change's transaction. */
export const selectRevision = 'SELECT revision FROM durable_state WHERE persistence_id = ?';

/** Writes a change (an upsert, or a delete with a NULL payload). */
export const upsertState = `INSERT INTO durable_state (persistence_id, revision, payload, tag, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (persistence_id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload, tag = excluded.tag, updated_at = excluded.updated_at`;
