/**
 * The timeline of one id as the page draws it, whatever the history's length: about
 * `buckets` sampled events (sequence number and timestamp, one small read each) and the
 * snapshots, thinned to about as many markers (damaged ones always kept). The page never
 * loads a whole history.
 * @module
 */
import type { IdSummary, Inspection, SnapshotView } from '../inspect/inspection.js';

/** One sampled event: where it sits on both axes. */
export interface TimelineSample {
  readonly sequenceNr: number;
  readonly timestamp: number;
}

/** What `GET /api/entities/:id/timeline` answers. */
export interface Timeline {
  readonly summary: IdSummary;
  /** Sampled events, ascending; the first and last stored events are always included. */
  readonly samples: readonly TimelineSample[];
  /** Snapshot markers, ascending; every unreadable one is included. */
  readonly snapshots: readonly SnapshotView[];
  /** How many snapshots exist (more than `snapshots.length` when thinned). */
  readonly snapshotCount: number;
}

/** Sample reads in flight at once: enough to hide a network store's round trips, few enough for SQLite. */
const CONCURRENT_READS = 8;

/** Builds the timeline of `summary.persistenceId` with about `buckets` samples. */
export async function buildTimeline(inspection: Inspection, summary: IdSummary, buckets: number): Promise<Timeline> {
  const id = summary.persistenceId;
  const highest = summary.highestSequenceNr;
  const positions = new Set<number>();
  if (highest > 0) {
    for (let k = 0; k < buckets; k++) positions.add(1 + Math.round((k * (highest - 1)) / Math.max(1, buckets - 1)));
  }
  const found = new Map<number, TimelineSample>();
  const queue = [...positions];
  const worker = async () => {
    for (let position = queue.shift(); position !== undefined; position = queue.shift()) {
      // The first stored event at or after the position: deleted events are skipped, not invented.
      const [event] = await inspection.events(id, { from: position, limit: 1 });
      if (event) found.set(event.sequenceNr, { sequenceNr: event.sequenceNr, timestamp: event.timestamp });
    }
  };
  const [snapshots] = await Promise.all([
    inspection.snapshots(id),
    ...Array.from({ length: Math.min(CONCURRENT_READS, queue.length) }, worker),
  ]);
  const samples = [...found.values()].sort((a, b) => a.sequenceNr - b.sequenceNr);
  return { summary, samples, snapshots: thinSnapshots(snapshots, buckets), snapshotCount: snapshots.length };
}

/** At most about `limit` snapshots, evenly spread, plus every unreadable one. */
export function thinSnapshots(snapshots: readonly SnapshotView[], limit: number): SnapshotView[] {
  if (snapshots.length <= limit) return [...snapshots];
  const step = snapshots.length / limit;
  const kept = new Set<number>();
  for (let k = 0; k < limit; k++) kept.add(Math.floor(k * step));
  kept.add(snapshots.length - 1);
  return snapshots.filter((snapshot, index) => kept.has(index) || !snapshot.readable);
}
