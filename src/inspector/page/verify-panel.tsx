/**
 * The shadow replay of one id on demand: each snapshot rebuilt from the events and
 * compared; every mismatch with its first differing paths, every damaged snapshot.
 * @module
 */
import { useState } from 'preact/hooks';
import { api, type VerifyJson } from './api.js';
import { formatCount, formatPath } from './format.js';

/** The button and its result. */
export function VerifyPanel({ id, onJump }: { id: string; onJump: (sequenceNr: number) => void }) {
  const [report, setReport] = useState<VerifyJson | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const run = async () => {
    setRunning(true);
    setError(undefined);
    try {
      setReport(await api.verify(id));
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setRunning(false);
    }
  };
  return (
    <div class="verify" data-testid="verify">
      <button type="button" onClick={run} disabled={running}>
        {running ? 'Verifying…' : 'Verify snapshots'}
      </button>
      {error && <p class="bad">{error}</p>}
      {report && (
        <div data-testid="verify-result" class={report.ok ? 'ok' : 'bad'}>
          <p>
            {report.ok
              ? '✓ Every snapshot equals the replay'
              : `✗ ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`}
            : {formatCount(report.snapshotsChecked)} snapshots checked, {formatCount(report.eventsReplayed)} events replayed.
          </p>
          {report.interrupted && <p class="bad">Stopped before the end: the result covers what was checked.</p>}
          {report.unverified.length > 0 && (
            <p class="muted">
              {report.unverified.length} snapshot{report.unverified.length === 1 ? '' : 's'} taken as a baseline, not compared (the events
              before {report.unverified.length === 1 ? 'it were' : 'them were'} deleted):{' '}
              {report.unverified.map((u) => u.sequenceNr).join(', ')}
            </p>
          )}
          <ul>
            {report.problems.map((problem) => (
              <li key={`${problem.kind}${problem.sequenceNr}`}>
                <button type="button" class="link" onClick={() => onJump(problem.sequenceNr)}>
                  snapshot {problem.sequenceNr}
                </button>{' '}
                {problem.kind}: {problem.message}
                {problem.differences.length > 0 && (
                  <span class="muted"> (first paths: {problem.differences.map((d) => formatPath(d.path)).join(', ')})</span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
