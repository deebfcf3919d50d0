/**
 * The differences between two points, one line each: path, what happened, old -> new.
 * @module
 */
import type { DifferenceJson } from './api.js';
import { formatPath, preview } from './format.js';

const LIMIT = 200;

/** The list, or a line saying nothing changed. */
export function DiffList({ differences, from, to }: { differences: readonly DifferenceJson[]; from: number; to: number }) {
  if (differences.length === 0) {
    return (
      <p class="muted" data-testid="diff-empty">
        No change from {from} to {to}.
      </p>
    );
  }
  return (
    <ul class="diff-list" data-testid="diff-list">
      {differences.slice(0, LIMIT).map((difference) => (
        <li key={`${difference.type}${JSON.stringify(difference.path)}`} class={`diff-${difference.type.toLowerCase()}`}>
          <span class="diff-type">{difference.type === 'CREATE' ? '+' : difference.type === 'REMOVE' ? '−' : '~'}</span>
          <code class="diff-path">{formatPath(difference.path)}</code>
          {difference.type === 'CHANGE' && (
            <span class="diff-values">
              <code class="diff-old">{preview(difference.oldValue, 60)}</code> →{' '}
              <code class="diff-new">{preview(difference.value, 60)}</code>
            </span>
          )}
          {difference.type === 'CREATE' && <code class="diff-new">{preview(difference.value, 100)}</code>}
          {difference.type === 'REMOVE' && <code class="diff-old">{preview(difference.oldValue, 100)}</code>}
        </li>
      ))}
      {differences.length > LIMIT && <li class="muted">… and {differences.length - LIMIT} more</li>}
    </ul>
  );
}
