/**
 * A state as a collapsible tree. Paths the diff touched are marked (created, changed) and
 * open by default, so the change is in view; large arrays and objects show their children
 * a hundred at a time.
 * @module
 */
import { useEffect, useState } from 'preact/hooks';
import { isTaggedValue, type JsonView } from '../json-view.js';
import type { DifferenceJson } from './api.js';
import { formatTagged } from './format.js';

/** Where the diff touched the tree, by `JSON.stringify(path)`. */
export interface ChangeMarks {
  /** Path -> 'CREATE' | 'CHANGE'. */
  readonly marked: ReadonlyMap<string, string>;
  /** Every proper prefix of a marked path: these nodes open by default. */
  readonly around: ReadonlySet<string>;
}

/** Marks for a diff (removed paths are not in the new state; the diff list shows them). */
export function changeMarks(differences: readonly DifferenceJson[] | undefined): ChangeMarks {
  const marked = new Map<string, string>();
  const around = new Set<string>();
  for (const difference of differences ?? []) {
    const path = difference.path;
    for (let length = 0; length < path.length; length++) around.add(JSON.stringify(path.slice(0, length)));
    if (difference.type !== 'REMOVE') marked.set(JSON.stringify(path), difference.type);
  }
  return { marked, around };
}

const PAGE = 100;

type Children = { readonly entries: readonly (readonly [string | number, JsonView])[]; readonly open: string; readonly close: string };

function childrenOf(value: JsonView): Children | undefined {
  if (Array.isArray(value)) return { entries: value.map((item, index) => [index, item] as const), open: '[', close: ']' };
  if (typeof value !== 'object' || value === null) return undefined;
  if (isTaggedValue(value)) {
    if (value.$type === 'Map')
      return { entries: value.entries.map(([k, v], index) => [`${index}: ${formatKey(k)}`, v] as const), open: 'Map {', close: '}' };
    if (value.$type === 'Set') return { entries: value.values.map((item, index) => [index, item] as const), open: 'Set [', close: ']' };
    if (value.$type === 'object') return { entries: Object.entries(value.value), open: '{', close: '}' };
    return undefined;
  }
  return { entries: Object.entries(value as Record<string, JsonView>), open: '{', close: '}' };
}

const formatKey = (key: JsonView) => formatTagged(key) ?? JSON.stringify(key);

function Leaf({ value }: { value: JsonView }) {
  const tagged = formatTagged(value);
  if (tagged !== undefined) return <span class="json-tagged">{tagged}</span>;
  if (typeof value === 'string') return <span class="json-string">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span class="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span class="json-boolean">{String(value)}</span>;
  return <span class="json-null">null</span>;
}

interface NodeProps {
  readonly name: string | number | undefined;
  readonly value: JsonView;
  readonly path: readonly (string | number)[];
  readonly depth: number;
  readonly marks: ChangeMarks;
}

function JsonNode({ name, value, path, depth, marks }: NodeProps) {
  const key = JSON.stringify(path);
  const children = childrenOf(value);
  const [open, setOpen] = useState(depth < 2 || marks.around.has(key));
  const [shown, setShown] = useState(PAGE);
  const inChange = marks.around.has(key);
  useEffect(() => {
    if (inChange) setOpen(true);
  }, [inChange, marks]);
  const mark = marks.marked.get(key);
  const label =
    name === undefined ? null : (
      <span class="json-key">{typeof name === 'number' ? name : /^\d+: /.test(name) ? name : JSON.stringify(name)}: </span>
    );
  const rowClass = `json-row${mark ? ` json-${mark.toLowerCase()}` : ''}`;
  if (!children) {
    return (
      <div class={rowClass} data-path={key}>
        {label}
        <Leaf value={value} />
      </div>
    );
  }
  const { entries } = children;
  return (
    <div class="json-node" data-path={key}>
      <div class={rowClass}>
        <button type="button" class="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
        {label}
        <span class="json-brace">{children.open}</span>
        {!open && (
          <span class="json-summary">
            {' '}
            {entries.length} {entries.length === 1 ? 'entry' : 'entries'} {children.close}
          </span>
        )}
      </div>
      {open && (
        <div class="json-children">
          {entries.slice(0, shown).map(([childName, child]) => (
            <JsonNode key={String(childName)} name={childName} value={child} path={[...path, childName]} depth={depth + 1} marks={marks} />
          ))}
          {entries.length > shown && (
            <button type="button" class="json-more" onClick={() => setShown(shown + PAGE)}>
              show {Math.min(PAGE, entries.length - shown)} more of {entries.length - shown}
            </button>
          )}
          <div class="json-brace">{children.close}</div>
        </div>
      )}
    </div>
  );
}

/** The tree of `value`, marked with `marks`. */
export function JsonTree({ value, marks }: { value: JsonView; marks: ChangeMarks }) {
  return (
    <div class="json-tree" data-testid="state-tree">
      <JsonNode name={undefined} value={value} path={[]} depth={0} marks={marks} />
    </div>
  );
}
