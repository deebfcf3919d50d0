/**
 * TEST ONLY, temporary: an Inspection over one SQLite file built from the time-travel
 * API, so the inspector's tests run before the real `createInspection` (src/inspect/,
 * branch cli) lands. Delete it then; it is not a second implementation in src/.
 * @module
 */
import {
  createReadJournal,
  createTimeTravel,
  diffStates,
  type PersistentRepr,
  SnapshotMetadata,
  SnapshotSelectionCriteria,
  type TimePoint,
} from '../../../src/index.js';
import type { EventView, IdSummary, Inspection, SnapshotView, StateView, VerifyProblem } from '../../../src/inspect/inspection.js';
import { SqliteJournal, SqliteSnapshotStore } from '../../../src/sqlite/index.js';

/** How one entity name folds its events. */
export interface TestDefinition {
  readonly initialState: unknown;
  readonly apply: (state: unknown, event: unknown) => unknown;
}

const MAX = Number.MAX_SAFE_INTEGER;
const view = (repr: PersistentRepr): EventView => ({
  persistenceId: repr.persistenceId,
  sequenceNr: repr.sequenceNr,
  timestamp: repr.timestamp,
  event: repr.event,
  manifest: repr.manifest,
  tags: repr.tags,
  writerId: repr.writerId,
  metadata: repr.metadata,
});

/** An Inspection over `file` with the given definitions (by the entity name before `|`). */
export function sqliteInspection(file: string, definitions: Record<string, TestDefinition>): Inspection {
  const journal = new SqliteJournal(file);
  const snapshotStore = new SqliteSnapshotStore(file);
  const readJournal = createReadJournal(journal, { pageSize: 100 });
  const definitionOf = (id: string) => {
    const name = id.split('|')[0] as string;
    const definition = definitions[name];
    if (!definition) throw new Error(`no definition for ${JSON.stringify(name)} (persistence id ${JSON.stringify(id)})`);
    return { name, definition };
  };
  const travel = (id: string, withSnapshots = true) => {
    const { definition } = definitionOf(id);
    return createTimeTravel({
      journal,
      snapshotStore: withSnapshots ? snapshotStore : undefined,
      persistenceId: id,
      initialState: definition.initialState,
      apply: (state, event) => definition.apply(state, event),
    });
  };
  const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
    const all: T[] = [];
    for await (const item of iterable) all.push(item);
    return all;
  };
  const snapshots = async (id: string): Promise<SnapshotView[]> => {
    const listed = await collect(snapshotStore.list(id));
    return Promise.all(
      listed.map(async (metadata) => {
        const exact = new SnapshotSelectionCriteria({ minSequenceNr: metadata.sequenceNr, maxSequenceNr: metadata.sequenceNr });
        const loaded = await snapshotStore.load(id, exact);
        return {
          persistenceId: id,
          sequenceNr: metadata.sequenceNr,
          timestamp: metadata.timestamp,
          metadata: metadata.metadata,
          readable: loaded !== null,
          ...(loaded === null ? { problem: { code: 'MEMENTO_CORRUPT_SNAPSHOT', message: 'cannot be read' } } : {}),
        };
      }),
    );
  };
  const stateAt = async (id: string, point: TimePoint): Promise<StateView> => ({
    ...(await travel(id).stateAt(point)),
    persistenceId: id,
    definition: definitionOf(id).name,
  });
  return {
    async ids(options = {}) {
      const all = (await journal.listPersistenceIds(undefined, 100_000)).filter(
        (id) => id.startsWith(options.prefix ?? '') && (options.after === undefined || id > options.after),
      );
      const page = all.slice(0, options.limit ?? 100);
      return Promise.all(
        page.map(async (persistenceId): Promise<IdSummary> => {
          const highestSequenceNr = await journal.highestSequenceNr(persistenceId);
          const [first] = await collect(journal.replay(persistenceId, 1, MAX, 1));
          const [last] = await collect(journal.replay(persistenceId, highestSequenceNr, highestSequenceNr, 1));
          return {
            persistenceId,
            highestSequenceNr,
            eventCount: first ? highestSequenceNr - first.sequenceNr + 1 : 0,
            snapshotCount: (await collect(snapshotStore.list(persistenceId))).length,
            lastWriteTimestamp: last?.timestamp ?? null,
          };
        }),
      );
    },
    async events(id, options = {}) {
      return (await collect(journal.replay(id, options.from ?? 1, options.to ?? MAX, options.limit ?? MAX))).map(view);
    },
    async *follow(id, { from, signal }) {
      for await (const envelope of readJournal.eventsByPersistenceId(id, from, MAX, { live: true, signal })) {
        const [repr] = await collect(journal.replay(id, envelope.sequenceNr, envelope.sequenceNr, 1));
        if (repr) yield view(repr);
      }
    },
    snapshots,
    definitions: () => Object.keys(definitions).map((name) => ({ name, kind: 'entity' as const })),
    stateAt,
    async diff(id, from, to) {
      const [before, after] = await Promise.all([stateAt(id, from), stateAt(id, to)]);
      return { from: before, to: after, differences: diffStates(before.state, after.state) };
    },
    async verify(ids) {
      const list = ids === 'all' ? await journal.listPersistenceIds(undefined, 100_000) : ids;
      const problems: VerifyProblem[] = [];
      let snapshotsChecked = 0;
      let eventsReplayed = 0;
      for (const id of list) {
        for (const snapshot of await snapshots(id)) {
          snapshotsChecked++;
          if (!snapshot.readable) {
            problems.push({ persistenceId: id, sequenceNr: snapshot.sequenceNr, kind: 'damaged', message: 'cannot be read' });
            continue;
          }
          const exact = new SnapshotSelectionCriteria({ minSequenceNr: snapshot.sequenceNr, maxSequenceNr: snapshot.sequenceNr });
          const stored = (await snapshotStore.load(id, exact))?.snapshot;
          const replayed = await travel(id, false).stateAt({ sequenceNr: snapshot.sequenceNr });
          eventsReplayed += replayed.replayed;
          const differences = diffStates(replayed.state, stored);
          if (differences.length > 0) {
            problems.push({
              persistenceId: id,
              sequenceNr: snapshot.sequenceNr,
              kind: 'mismatch',
              differences: differences.slice(0, 5),
              message: `differs from the replay at ${differences.length} paths`,
            });
          }
        }
      }
      return { idsChecked: list.length, snapshotsChecked, eventsReplayed, problems, ok: problems.length === 0 };
    },
    async deleteSnapshot(id, sequenceNr) {
      await snapshotStore.delete(new SnapshotMetadata({ persistenceId: id, sequenceNr, timestamp: 0 }));
    },
    async close() {
      await snapshotStore.close();
      await journal.close();
    },
  };
}
