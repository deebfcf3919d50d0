import {
  decodeSnapshot,
  encodeSnapshot,
  GuardedSnapshotStore,
  loadYoungestReadable,
  type SelectedSnapshot,
  Serialization,
  type SkipReporting,
  SnapshotMetadata,
  type SnapshotSelectionCriteria,
  type SnapshotStoreCore,
  type StoredSnapshot,
  type StoreOptions,
} from '../../src/index.js';

/** What `prepareSave` hands to `save`: the stored form, and its size for the hooks. */
interface PreparedRow {
  readonly row: StoredSnapshot;
  readonly bytes: number;
}

/** The plugin's I/O: called only on an open store, with checked arguments, inside the hook timing. */
class MapSnapshotCore implements SnapshotStoreCore<PreparedRow> {
  readonly #rows = new Map<string, Map<number, StoredSnapshot>>();

  constructor(private readonly serialization: Serialization) {}

  prepareSave(metadata: SnapshotMetadata, snapshot: unknown): PreparedRow {
    const row = encodeSnapshot(metadata, snapshot, this.serialization);
    return { row, bytes: row.payload.length };
  }

  async save({ row }: PreparedRow): Promise<void> {
    const rows = this.#rows.get(row.persistenceId) ?? new Map<number, StoredSnapshot>();
    this.#rows.set(row.persistenceId, rows.set(row.sequenceNr, row));
  }

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, reporting: SkipReporting): Promise<SelectedSnapshot | null> {
    const newestFirst = this.#matching(persistenceId, criteria).reverse();
    return loadYoungestReadable(newestFirst, async (row) => decodeSnapshot(row, this.serialization, 'map'), reporting);
  }

  async delete({ persistenceId, sequenceNr }: SnapshotMetadata): Promise<void> {
    this.#rows.get(persistenceId)?.delete(sequenceNr);
  }

  async deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    for (const row of this.#matching(persistenceId, criteria)) this.#rows.get(persistenceId)?.delete(row.sequenceNr);
  }

  async *list(persistenceId: string, criteria: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    for (const { sequenceNr, timestamp } of this.#matching(persistenceId, criteria)) {
      yield new SnapshotMetadata({ persistenceId, sequenceNr, timestamp });
    }
  }

  async close(): Promise<void> {
    this.#rows.clear();
  }

  /** Matching rows, oldest first. */
  #matching(persistenceId: string, criteria: SnapshotSelectionCriteria): StoredSnapshot[] {
    const rows = [...(this.#rows.get(persistenceId)?.values() ?? [])].filter((row) => criteria.matches(row));
    return rows.sort((a, b) => a.sequenceNr - b.sequenceNr);
  }
}

/** The public store: the guard in front of the core. */
export class MapSnapshotStore extends GuardedSnapshotStore<PreparedRow> {
  constructor({ serialization = new Serialization(), logger, hooks }: StoreOptions = {}) {
    super(new MapSnapshotCore(serialization), { source: 'map', logger, hooks });
  }
}
