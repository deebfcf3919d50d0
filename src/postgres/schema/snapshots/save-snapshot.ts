/**
 * Saves a snapshot, replacing one at the same id and sequence number (idempotent).
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` id, `$2` sequence number, `$3` timestamp, `$4` payload, `$5` metadata. */
export const saveSnapshotSql = (t: TableNames): string =>
  `INSERT INTO ${t.snapshots} (persistence_id, sequence_nr, timestamp_ms, payload, metadata) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET timestamp_ms = EXCLUDED.timestamp_ms, payload = EXCLUDED.payload, metadata = EXCLUDED.metadata`;
