/**
 * The snapshots of the id: readable or damaged (and why), version, serializer, size;
 * jump to one, or delete it when the server allows. A few rows around the current point
 * by default (an id can have thousands), every one on request.
 * @module
 */
import type { SnapshotJson } from './api.js';
import { formatCount, formatSize, formatTime } from './format.js';

/** Rows shown on each side of the current point. */
const AROUND = 10;

/** The index of the last snapshot at or before `at` (0 when none is). */
export function snapshotAnchor(snapshots: readonly SnapshotJson[], at: number): number {
  let low = 0;
  let high = snapshots.length - 1;
  let found = 0;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((snapshots[middle] as SnapshotJson).sequenceNr <= at) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

interface SnapshotsProps {
  readonly snapshots: readonly SnapshotJson[];
  /** How many the id has (more than `snapshots.length` until all are loaded). */
  readonly total: number;
  /** Index in `snapshots` of the one at or before the current point. */
  readonly anchor: number;
  readonly showAll: boolean;
  readonly allowDelete: boolean;
  readonly onShowAll: (all: boolean) => void;
  readonly onJump: (sequenceNr: number) => void;
  readonly onDelete: (sequenceNr: number) => void;
}

/** The table. */
export function SnapshotsPanel({ snapshots, total, anchor, showAll, allowDelete, onShowAll, onJump, onDelete }: SnapshotsProps) {
  if (total === 0) return <p class="muted">No snapshots: every state is replayed from the first event.</p>;
  const rows = showAll ? snapshots : snapshots.slice(Math.max(0, anchor - AROUND), anchor + AROUND + 1);
  return (
    <>
      <div class="toolbar">
        <span class="muted" data-testid="snapshots-shown">
          {showAll && snapshots.length === total
            ? `all ${formatCount(total)}`
            : `${formatCount(rows.length)} of ${formatCount(total)} around the current point${snapshots.length < total ? ' (the timeline’s markers)' : ''}`}
        </span>
        <button type="button" onClick={() => onShowAll(!showAll)}>
          {showAll ? 'show fewer' : 'show all'}
        </button>
      </div>
      <table class="snapshots" data-testid="snapshots">
        <thead>
          <tr>
            <th>seq</th>
            <th>time</th>
            <th>status</th>
            <th>version</th>
            <th>serializer</th>
            <th>size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((snapshot) => (
            <tr key={snapshot.sequenceNr} data-sequence-nr={snapshot.sequenceNr} class={snapshot.readable ? '' : 'damaged'}>
              <td class="number">
                <button type="button" class="link" onClick={() => onJump(snapshot.sequenceNr)}>
                  {snapshot.sequenceNr}
                </button>
              </td>
              <td class="time">{formatTime(snapshot.timestamp)}</td>
              <td>
                {snapshot.readable ? (
                  <span class="ok">readable</span>
                ) : (
                  <span class="bad">damaged: {snapshot.problem?.message ?? 'cannot be read'}</span>
                )}
              </td>
              <td>{snapshot.version ?? '—'}</td>
              <td>{snapshot.serializer ?? '—'}</td>
              <td class="number">{formatSize(snapshot.size)}</td>
              <td>
                {allowDelete && (
                  <button
                    type="button"
                    class="danger"
                    onClick={() => {
                      if (confirm(`Delete the snapshot at ${snapshot.sequenceNr}? Its events stay; rebuilds use an older snapshot.`))
                        onDelete(snapshot.sequenceNr);
                    }}
                  >
                    delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
