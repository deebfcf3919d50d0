/**
 * One snapshot at a time, damaged or not: `list` gives every snapshot's identity, and a
 * load with exact criteria reads one; the store reports a snapshot it cannot read through
 * `onSkipped` instead of handing back an older one, which is how its damage is learned.
 * @module
 */
import type { SnapshotMetadata } from '../core/snapshot-metadata.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { isVersionedSnapshotMetadata, readSnapshotMetadata } from '../runtime/recovery/snapshot-versioning.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import type { SnapshotView } from './inspection.js';
import type { ObservedSerialization } from './observed-serialization.js';

/** One snapshot read on its own: its value, or why it cannot be read. */
export type ExactSnapshot =
  | { readonly readable: true; readonly selected: SelectedSnapshot }
  | { readonly readable: false; readonly error: Error };

/** Criteria selecting exactly one sequence number. */
export const exactly = (sequenceNr: number): SnapshotSelectionCriteria =>
  new SnapshotSelectionCriteria({ minSequenceNr: sequenceNr, maxSequenceNr: sequenceNr });

/** Reads the snapshot at `sequenceNr`; null when there is none (deleted meanwhile). Store failures propagate. */
export async function readExactSnapshot(store: SnapshotStore, persistenceId: string, sequenceNr: number): Promise<ExactSnapshot | null> {
  let damage: Error | undefined;
  const selected = await store.load(persistenceId, exactly(sequenceNr), {
    onSkipped: (skipped) => {
      damage = skipped.error;
    },
  });
  if (selected) return { readable: true, selected };
  return damage ? { readable: false, error: damage } : null;
}

/** Every snapshot's identity, oldest first. */
export async function listSnapshots(store: SnapshotStore, persistenceId: string): Promise<SnapshotMetadata[]> {
  const listed: SnapshotMetadata[] = [];
  for await (const metadata of store.list(persistenceId)) listed.push(metadata);
  return listed;
}

/** The error's stable code, for views. */
export const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
};

/** Strips the `[memento] [plugin] ` prefixes: views show the plain reason. */
export const plainMessage = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/^(\[[^\]]+\] )+/, '');

/** The view of one listed snapshot after reading it. */
export function snapshotView(
  listed: SnapshotMetadata,
  read: ExactSnapshot | null,
  serialization: ObservedSerialization | undefined,
): SnapshotView {
  const stored = serialization?.storedForm(listed.persistenceId, listed.sequenceNr);
  const base = {
    persistenceId: listed.persistenceId,
    sequenceNr: listed.sequenceNr,
    timestamp: listed.timestamp,
    size: stored?.size,
    serializer: stored?.serializer,
  };
  if (read === null) {
    return { ...base, readable: false, problem: { code: 'MISSING', message: 'the snapshot was deleted while it was being read' } };
  }
  if (!read.readable) return { ...base, readable: false, problem: { code: codeOf(read.error), message: plainMessage(read.error) } };
  const storedMetadata = read.selected.metadata.metadata;
  const { user } = readSnapshotMetadata(storedMetadata);
  return {
    ...base,
    timestamp: read.selected.metadata.timestamp,
    metadata: user,
    version: isVersionedSnapshotMetadata(storedMetadata) ? storedMetadata.memento.version : undefined,
    readable: true,
  };
}
