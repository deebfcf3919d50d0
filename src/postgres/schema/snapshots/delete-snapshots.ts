/**
 * Deletes snapshots by id and sequence numbers (idempotent).
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** `$1` id, `$2` sequence numbers. */
export const deleteSnapshotsSql = (t: TableNames): string =>
  `DELETE FROM ${t.snapshots} WHERE persistence_id = $1 AND sequence_nr = ANY($2::bigint[])`;

/** Damages the stored bytes of one snapshot (flips a byte mid-payload): for fault tests. `$1` id, `$2` sequence number. */
export const damageSnapshotSql = (t: TableNames): string =>
  `UPDATE ${t.snapshots} SET payload = set_byte(payload, length(payload) / 2, get_byte(payload, length(payload) / 2) # 255)
WHERE persistence_id = $1 AND sequence_nr = $2`;
