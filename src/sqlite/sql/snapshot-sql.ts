/**
 * The snapshot store's SQL, one statement per operation. Criteria bounds narrow the
 * index range here; `SnapshotSelectionCriteria.matches` stays the deciding check.
 * @module
 */

/** Saves a snapshot, replacing one at the same persistence id and sequence number. */
export const upsertSnapshot = `INSERT INTO snapshots (persistence_id, sequence_nr, timestamp, payload, metadata) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET timestamp = excluded.timestamp, payload = excluded.payload, metadata = excluded.metadata`;

/** The youngest candidate at or below a sequence number: load walks down one row at a time. */
export const selectYoungest = `SELECT sequence_nr, timestamp, payload, metadata FROM snapshots
WHERE persistence_id = ? AND sequence_nr <= ? AND sequence_nr >= ? AND timestamp <= ? AND timestamp >= ?
ORDER BY sequence_nr DESC LIMIT 1`;

/** One page of metadata, oldest first, keyset-paginated on sequence_nr. */
export const selectMetadataPage = `SELECT sequence_nr, timestamp FROM snapshots
WHERE persistence_id = ? AND sequence_nr >= ? AND sequence_nr <= ? AND timestamp >= ? AND timestamp <= ?
ORDER BY sequence_nr LIMIT ?`;

/** Every candidate key for deleteMatching. */
export const selectKeys = `SELECT sequence_nr, timestamp FROM snapshots
WHERE persistence_id = ? AND sequence_nr >= ? AND sequence_nr <= ? AND timestamp >= ? AND timestamp <= ?`;

/** Deletes one snapshot. */
export const deleteSnapshot = 'DELETE FROM snapshots WHERE persistence_id = ? AND sequence_nr = ?';

/** Ids with snapshots after an id (exclusive, '' for the start), in byte order. */
export const selectSnapshotIds = 'SELECT DISTINCT persistence_id FROM snapshots WHERE persistence_id > ? ORDER BY persistence_id LIMIT ?';
