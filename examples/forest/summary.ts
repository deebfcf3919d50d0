/** Formatting for the demo's summary lines. */
import type { StateDifference } from '../../src/index.js';
import { trees as allTrees, type Forest } from './forest.js';

/** 200000 → "200,000". */
export const formatCount = (value: number): string => value.toLocaleString('en-US');

/** Milliseconds, as ms below a second and s above. */
export const formatMs = (ms: number): string => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);

/** One line about the forest. */
export function summarizeForest(forest: Forest): string {
  const tallest = allTrees(forest).reduce((max, tree) => Math.max(max, tree.height), 0);
  return (
    `${formatCount(forest.standing)} trees standing (tallest ${tallest.toFixed(2)} m); ` +
    `${formatCount(forest.planted)} planted, ${formatCount(forest.cut)} cut, ${formatCount(forest.waterings)} waterings, ${formatCount(forest.misses)} misses`
  );
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Names a path by tree id where it points into a grove: `groves.5.3.height` → `t197.height`. */
function describePath(path: readonly (string | number)[], before: Forest, after: Forest): string {
  const [root, grove, position, ...rest] = path;
  if (root === 'groves' && typeof grove === 'number' && typeof position === 'number') {
    const tree = after.groves[grove]?.[position] ?? before.groves[grove]?.[position];
    if (tree) return [tree.id, ...rest].join('.');
  }
  return path.join('.');
}

/** One difference as a readable line: `+ t12 {...}`, `- t3 {...}`, `~ t5.height 1.2 → 1.4`. */
export function describeDifference(difference: StateDifference, before: Forest, after: Forest): string {
  const path = describePath(difference.path, before, after);
  if (difference.type === 'CREATE') return `+ ${path} ${show(difference.value)}`;
  if (difference.type === 'REMOVE') return `- ${path} ${show(difference.oldValue)}`;
  return `~ ${path} ${show(difference.oldValue)} → ${show(difference.value)}`;
}

/** True for a height change of one tree that stood at both points (positions shift when trees are cut). */
export function isGrowth(difference: StateDifference, before: Forest, after: Forest): boolean {
  const [root, grove, position, field] = difference.path;
  if (difference.type !== 'CHANGE' || root !== 'groves' || field !== 'height') return false;
  if (typeof grove !== 'number' || typeof position !== 'number') return false;
  const id = after.groves[grove]?.[position]?.id;
  return id !== undefined && before.groves[grove]?.[position]?.id === id;
}
