/**
 * Structured differences between two states (microdiff), for the CLI and the inspector.
 * @module
 */
import microdiff from 'microdiff';

/** One difference: a path into the state and what was created, removed or changed there. */
export type StateDifference =
  | { readonly type: 'CREATE'; readonly path: (string | number)[]; readonly value: unknown }
  | { readonly type: 'REMOVE'; readonly path: (string | number)[]; readonly oldValue: unknown }
  | { readonly type: 'CHANGE'; readonly path: (string | number)[]; readonly value: unknown; readonly oldValue: unknown };

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] => typeof value === 'object' && value !== null;

/** What changed from `before` to `after`; empty when equal. Non-object states compare as one value at path []. */
export function diffStates(before: unknown, after: unknown): StateDifference[] {
  if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
    return microdiff(before, after, { cyclesFix: false }) as StateDifference[];
  }
  return Object.is(before, after) ? [] : [{ type: 'CHANGE', path: [], value: after, oldValue: before }];
}

/** Counts of created, removed and changed paths: a one-line summary of a diff. */
export function summarizeDiff(differences: readonly StateDifference[]): { created: number; removed: number; changed: number } {
  const summary = { created: 0, removed: 0, changed: 0 };
  for (const difference of differences) {
    if (difference.type === 'CREATE') summary.created++;
    else if (difference.type === 'REMOVE') summary.removed++;
    else summary.changed++;
  }
  return summary;
}
