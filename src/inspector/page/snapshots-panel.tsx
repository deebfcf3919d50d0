/**
 * Every snapshot of the id: readable or damaged (and why), version, serializer, size;
 * jump to one, or delete it when the server allows.
 * @module
 */
import type { SnapshotJson } from './api.js';
import { formatSize, formatTime } from './format.js';

interface SnapshotsProps {
  readonly snapshots: readonly SnapshotJson[];
  readonly allowDelete: boolean;
  readonly onJump: (sequenceNr: number) => void;
  readonly onDelete: (sequenceNr: number) => void;
}

/** The table. */
export function SnapshotsPanel({ snapshots, allowDelete, onJump, onDelete }: SnapshotsProps) {
  if (snapshots.length === 0) return <p class="muted">No snapshots: every state is replayed from the first event.</p>;
  return (
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
        {snapshots.map((snapshot) => (
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
            <td>{formatSize(snapshot.size)}</td>
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
  );
}
