/**
 * Snapshot pages. The bounds narrow the scan with the primary key and the timestamp
 * index; `SnapshotSelectionCriteria.matches` still decides, so criteria keep one definition.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** A snapshot row (bigints as strings). */
export interface SnapshotRow {
  readonly sequence_nr: string;
  readonly timestamp_ms: string;
  readonly payload?: Buffer;
  readonly metadata?: Buffer | null;
}

const BOUNDS = 'persistence_id = $1 AND sequence_nr >= $2 AND sequence_nr <= $3 AND timestamp_ms >= $4 AND timestamp_ms <= $5';

/** Newest first, with payloads: load's candidates. `$1` id, `$2`-`$5` bounds, `$6` limit. */
export const snapshotCandidatesSql = (t: TableNames): string =>
  `SELECT sequence_nr, timestamp_ms, payload, metadata FROM ${t.snapshots} WHERE ${BOUNDS} ORDER BY sequence_nr DESC LIMIT $6`;

/** Oldest first, identity only: list's pages and deleteMatching's keys. Same parameters. */
export const snapshotKeysSql = (t: TableNames): string =>
  `SELECT sequence_nr, timestamp_ms FROM ${t.snapshots} WHERE ${BOUNDS} ORDER BY sequence_nr LIMIT $6`;

/** `$1` after (exclusive, '' for the start), `$2` limit: ids with snapshots, in byte order (COLLATE "C"). */
export const snapshotIdsSql = (t: TableNames): string =>
  `SELECT DISTINCT persistence_id FROM ${t.snapshots} WHERE persistence_id > $1 ORDER BY persistence_id LIMIT $2`;
