/**
 * The {@link Tamper} of a SQL backend, built once from where the backend keeps its rows: the
 * same hand edits, as a person at a SQL prompt would make them, on SQLite and PostgreSQL alike.
 */
import type { Tamper } from './tampering-suite.js';

/** Where a SQL backend keeps what the tampering suite edits. */
export interface TamperedTables {
  readonly journal: string;
  readonly snapshots: string;
  readonly state: string;
  /** The table and column holding each stream's highest sequence number apart from its rows. */
  readonly highest: { readonly table: string; readonly column: string };
}

/** How one SQL backend is edited. */
export interface SqlTamperSetup {
  /** Runs one statement with its parameters. */
  run(sql: string, ...values: unknown[]): Promise<void>;
  /** The placeholder of parameter `index` (1-based): `?` or `$1`. */
  parameter(index: number): string;
  readonly tables: TamperedTables;
  /** Swaps two snapshots' payloads, each backend its own way (no portable statement does it). */
  swapSnapshotPayloads: Tamper['swapSnapshotPayloads'];
}

/** The edits of {@link Tamper} as SQL statements on `setup`'s tables. */
export function sqlTamper({ run, parameter: p, tables: t, swapSnapshotPayloads }: SqlTamperSetup): Tamper {
  const copyPayload = (
    table: string,
    from: { persistenceId: string; sequenceNr: number },
    to: { persistenceId: string; sequenceNr: number },
  ) =>
    run(
      `UPDATE ${table} SET payload = (SELECT payload FROM ${table} WHERE persistence_id = ${p(1)} AND sequence_nr = ${p(2)})
       WHERE persistence_id = ${p(3)} AND sequence_nr = ${p(4)}`,
      from.persistenceId,
      from.sequenceNr,
      to.persistenceId,
      to.sequenceNr,
    );
  return {
    deleteEvent: (persistenceId, sequenceNr) =>
      run(`DELETE FROM ${t.journal} WHERE persistence_id = ${p(1)} AND sequence_nr = ${p(2)}`, persistenceId, sequenceNr),
    setRecordedHighest: (persistenceId, highest) =>
      run(`UPDATE ${t.highest.table} SET ${t.highest.column} = ${p(1)} WHERE persistence_id = ${p(2)}`, highest, persistenceId),
    copyEventPayload: (from, to) => copyPayload(t.journal, from, to),
    moveSnapshot: (persistenceId, from, to) =>
      run(
        `UPDATE ${t.snapshots} SET sequence_nr = ${p(1)} WHERE persistence_id = ${p(2)} AND sequence_nr = ${p(3)}`,
        to,
        persistenceId,
        from,
      ),
    swapSnapshotPayloads,
    copySnapshotPayload: (from, to) => copyPayload(t.snapshots, from, to),
    copyStatePayload: (fromId, toId) =>
      run(
        `UPDATE ${t.state} SET payload = (SELECT payload FROM ${t.state} WHERE persistence_id = ${p(1)}) WHERE persistence_id = ${p(2)}`,
        fromId,
        toId,
      ),
    setStateRevision: (persistenceId, revision) =>
      run(`UPDATE ${t.state} SET revision = ${p(1)} WHERE persistence_id = ${p(2)}`, revision, persistenceId),
  };
}
