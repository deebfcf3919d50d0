/**
 * The timeline of one persistence id: its events and snapshots in sequence order.
 * @module
 */
import type { PersistentRepr } from '../core/persistent-repr.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { MAX_SEQUENCE_NR, validateInteger } from '../core/validation.js';
import type { Journal } from '../spi/journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';

/** An event in a timeline. */
export interface HistoryEvent<E = unknown> {
  readonly kind: 'event';
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly event: E;
  readonly manifest?: string | undefined;
}

/** A stored snapshot in a timeline; it includes every event up to its sequence number. */
export interface HistorySnapshot {
  readonly kind: 'snapshot';
  readonly sequenceNr: number;
  readonly timestamp: number;
}

/** One entry of a timeline; a snapshot follows the event it includes. */
export type HistoryEntry<E = unknown> = HistoryEvent<E> | HistorySnapshot;

/** Which part of a timeline to list. */
export interface HistoryOptions {
  /** First sequence number listed. @default 1 */
  readonly fromSequenceNr?: number;
  /** Last sequence number listed. @default Infinity */
  readonly toSequenceNr?: number;
  /** At most this many events (snapshots in the same range are always listed). @default Infinity */
  readonly maxEvents?: number;
}

/** Normalized history bounds. */
export interface HistoryBounds {
  readonly from: number;
  readonly to: number;
  readonly max: number;
}

/** Checks history options. */
export function validateHistoryOptions(options: HistoryOptions = {}, persistenceId?: string): HistoryBounds {
  const context = { persistenceId };
  const from = validateInteger(options.fromSequenceNr ?? 1, 'options.fromSequenceNr', context, { min: 0 });
  const to = validateInteger(options.toSequenceNr ?? Number.POSITIVE_INFINITY, 'options.toSequenceNr', context, {
    min: from,
    allowInfinity: true,
  });
  const max = validateInteger(options.maxEvents ?? Number.POSITIVE_INFINITY, 'options.maxEvents', context, { min: 0, allowInfinity: true });
  return { from, to, max };
}

/** Lists events (from the journal) and snapshots (from the store, if any) in sequence order. */
export async function readHistory(
  journal: Journal,
  snapshotStore: SnapshotStore | undefined,
  persistenceId: string,
  bounds: HistoryBounds,
): Promise<HistoryEntry[]> {
  const events: HistoryEvent[] = [];
  for await (const repr of journal.replay(persistenceId, bounds.from, bounds.to, bounds.max)) events.push(historyEvent(repr));
  // With a cap on events, list snapshots only within the listed range.
  const lastListed = bounds.max < MAX_SEQUENCE_NR && events.length > 0 ? (events[events.length - 1] as HistoryEvent).sequenceNr : bounds.to;
  const snapshots: HistorySnapshot[] = [];
  if (snapshotStore) {
    const criteria = new SnapshotSelectionCriteria({ minSequenceNr: bounds.from, maxSequenceNr: lastListed });
    for await (const metadata of snapshotStore.list(persistenceId, criteria)) {
      snapshots.push({ kind: 'snapshot', sequenceNr: metadata.sequenceNr, timestamp: metadata.timestamp });
    }
  }
  return mergeTimeline(events, snapshots);
}

/** Merges events and snapshots, both ascending, placing a snapshot after the event it includes. */
export function mergeTimeline<E>(events: readonly HistoryEvent<E>[], snapshots: readonly HistorySnapshot[]): HistoryEntry<E>[] {
  const merged: HistoryEntry<E>[] = [];
  let s = 0;
  for (const event of events) {
    while (s < snapshots.length && (snapshots[s] as HistorySnapshot).sequenceNr < event.sequenceNr)
      merged.push(snapshots[s++] as HistorySnapshot);
    merged.push(event);
  }
  while (s < snapshots.length) merged.push(snapshots[s++] as HistorySnapshot);
  return merged;
}

function historyEvent(repr: PersistentRepr): HistoryEvent {
  const entry = { kind: 'event' as const, sequenceNr: repr.sequenceNr, timestamp: repr.timestamp, event: repr.event };
  return repr.manifest === undefined ? entry : { ...entry, manifest: repr.manifest };
}
