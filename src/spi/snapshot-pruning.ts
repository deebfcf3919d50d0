/**
 * The one keep-N rule: which of an id's snapshots survive "keep the newest N", used by
 * entity retention (`keepNSnapshots`) and by the machine's store recorder (`keep`).
 * @module
 */
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import type { SnapshotStore } from './snapshot-store.js';

/** What pruning to the newest N leaves and removes. */
export interface SnapshotPruning {
  /** Sequence numbers of the snapshots kept, oldest first. */
  readonly kept: readonly number[];
  /** Selects every older snapshot, for `deleteMatching`; undefined when there are none. */
  readonly older: SnapshotSelectionCriteria | undefined;
}

/**
 * Lists `persistenceId`'s snapshots and works out which survive keeping the newest `keep`
 * (`Infinity` keeps all). Deletes nothing: the caller runs `deleteMatching(older)` and
 * reports its outcome its own way. Listing failures propagate.
 */
export async function planSnapshotPruning(store: SnapshotStore, persistenceId: string, keep: number): Promise<SnapshotPruning> {
  const sequenceNrs: number[] = [];
  for await (const metadata of store.list(persistenceId)) sequenceNrs.push(metadata.sequenceNr);
  if (sequenceNrs.length <= keep) return { kept: sequenceNrs, older: undefined };
  const kept = sequenceNrs.slice(sequenceNrs.length - keep);
  const newestDropped = sequenceNrs[sequenceNrs.length - keep - 1] as number;
  return { kept, older: new SnapshotSelectionCriteria({ maxSequenceNr: newestDropped }) };
}
