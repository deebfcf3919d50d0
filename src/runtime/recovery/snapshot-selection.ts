/**
 * Finds the snapshot recovery starts from: the youngest one that matches the criteria,
 * can be read, and has a version the entity can use. Unreadable snapshots are skipped by
 * the store (reported through `onSkipped`); snapshots the codec refuses are skipped here
 * by lowering the criteria below them and loading again.
 * @module
 */
import { RecoveryError } from '../../core/errors.js';
import type { SnapshotOffer } from '../../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../../core/snapshot-selection-criteria.js';
import type { SnapshotStore } from '../../spi/snapshot-store.js';
import { LoadSnapshotFailed, LoadSnapshotResult, SnapshotSkipped } from '../cell/signals.js';
import { selectsNothing } from './recovery-settings.js';
import { type SnapshotCodec, userSnapshotMetadata } from './snapshot-versioning.js';

/** The chosen snapshot (or none) and every snapshot passed over on the way. */
export interface SnapshotSelection<State> {
  readonly offer: SnapshotOffer<State> | null;
  readonly skipped: readonly SnapshotSkipped[];
  /** The skips the runtime detected itself (version, adapter), which no store has reported. */
  readonly skippedByRuntime: ReadonlySet<SnapshotSkipped>;
}

/** Loads the youngest usable snapshot; a store failure becomes a RecoveryError carrying the cause. */
export async function selectSnapshot<State>(
  store: SnapshotStore,
  persistenceId: string,
  criteria: SnapshotSelectionCriteria,
  codec: SnapshotCodec<State>,
): Promise<SnapshotSelection<State>> {
  const skipped: SnapshotSkipped[] = [];
  const skippedByRuntime = new Set<SnapshotSkipped>();
  const skipHere = (skip: SnapshotSkipped) => {
    skipped.push(skip);
    skippedByRuntime.add(skip);
  };
  if (selectsNothing(criteria)) return { offer: null, skipped, skippedByRuntime };
  let current: SnapshotSelectionCriteria | undefined = criteria;
  while (current) {
    let selected: Awaited<ReturnType<SnapshotStore['load']>>;
    try {
      selected = await store.load(persistenceId, current, {
        onSkipped: (skip) => skipped.push(SnapshotSkipped(skip.metadata, 'unreadable', skip.error)),
      });
    } catch (cause) {
      throw new RecoveryError(`cannot recover ${JSON.stringify(persistenceId)}: loading a snapshot failed: ${messageOf(cause)}`, {
        persistenceId,
        cause,
      });
    }
    if (!selected) break;
    const sequenceNr = selected.metadata.sequenceNr;
    try {
      const decoded = codec.decode(selected);
      if (decoded.usable) return { offer: decoded.offer, skipped, skippedByRuntime };
      const why = new Error(`snapshot version ${decoded.version}, expected ${codec.version} and no adapter migrates it`);
      skipHere(SnapshotSkipped(selected.metadata, 'version', why));
    } catch (cause) {
      skipHere(SnapshotSkipped(selected.metadata, 'unreadable', cause));
    }
    current = sequenceNr - 1 < current.minSequenceNr ? undefined : current.copy({ maxSequenceNr: sequenceNr - 1 });
  }
  return { offer: null, skipped, skippedByRuntime };
}

/** The message of anything thrown. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** A classic actor's `loadSnapshot`: the youngest snapshot of any id, as a result value (never throws). */
export async function loadSnapshotResult(
  store: SnapshotStore,
  persistenceId: string,
  criteria: SnapshotSelectionCriteria,
  toSequenceNr: number,
): Promise<LoadSnapshotResult | LoadSnapshotFailed> {
  try {
    const selected = await store.load(persistenceId, criteria.limit(toSequenceNr));
    const shown = selected && { metadata: userSnapshotMetadata(selected.metadata), snapshot: selected.snapshot };
    return LoadSnapshotResult(shown, toSequenceNr);
  } catch (cause) {
    return LoadSnapshotFailed(cause);
  }
}
