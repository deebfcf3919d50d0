/**
 * Finds the code blocks of README.md and docs/*.md that the docs test checks, with the
 * marker that says how (the convention is documented in README.md, "Code blocks in the docs"):
 *
 * - every ```ts / ```js block is type-checked as a module of its own, against the built
 *   package, so `memento-es` imports mean what they mean for a user;
 * - `<!-- doctest: run -->` before the block also runs it;
 * - `<!-- doctest: fragment` + lines of TypeScript + `-->` before the block: the block is an
 *   excerpt, and the comment's lines are the context it needs (imports, declarations), put
 *   before it, or around it where a line holds only `%BLOCK%`;
 * - `commonjs` (with any of the above) checks a ```js block as a CommonJS file.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Languages the docs test checks, and the file extension each gets. */
const EXTENSIONS: Record<string, string> = { ts: '.ts', typescript: '.ts', js: '.js', javascript: '.js' };

/** Flags a marker may carry. */
const FLAGS = ['run', 'fragment', 'commonjs'] as const;
type Flag = (typeof FLAGS)[number];

/** Where a block's own lines start in the generated file. */
export const BLOCK_PLACEHOLDER = '%BLOCK%';

/** One checked block. */
export interface CodeBlock {
  /** `docs/machines.md:9`: the file, relative to the repository, and the fence's line (1-based). */
  readonly id: string;
  readonly document: string;
  readonly fenceLine: number;
  /** `.ts`, `.js` or `.cjs` */
  readonly extension: string;
  readonly flags: ReadonlySet<Flag>;
  /** The block's text, as shown. */
  readonly code: string;
  /** The file the test writes: context and block. */
  readonly source: string;
  /** Line (0-based) of `source` where the block's first line is. */
  readonly blockStartsAt: number;
}

/** The documents whose blocks are checked: README.md and every docs/*.md, found anew each run. */
export function documentsIn(repository: string): string[] {
  const docs = readdirSync(join(repository, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

interface Marker {
  readonly flags: Set<Flag>;
  readonly context: string[];
}

function parseMarker(lines: readonly string[], document: string, firstLine: number): Marker {
  const text = lines.join('\n').trim();
  const body = text.slice('<!-- doctest:'.length, text.length - '-->'.length);
  const [head = '', ...context] = body.split('\n');
  const flags = new Set<Flag>();
  for (const word of head.trim().split(/\s+/).filter(Boolean)) {
    if (!(FLAGS as readonly string[]).includes(word)) {
      throw new Error(`${document}:${firstLine}: unknown doctest flag "${word}"; expected one of ${FLAGS.join(', ')}`);
    }
    flags.add(word as Flag);
  }
  const hasContext = context.some((line) => line.trim() !== '');
  if (hasContext !== flags.has('fragment')) {
    throw new Error(`${document}:${firstLine}: a doctest marker has context lines exactly when it says "fragment"`);
  }
  while (context.length > 0 && context.at(-1)?.trim() === '') context.pop();
  return { flags, context: hasContext ? context : [] };
}

/** The doctest marker that ends right above line `index` (blank lines between allowed), if any. */
function markerAbove(lines: readonly string[], index: number, document: string): { marker: Marker; start: number } | undefined {
  let end = index - 1;
  while (end >= 0 && lines[end]?.trim() === '') end -= 1;
  if (end < 0 || !lines[end]?.trimEnd().endsWith('-->')) return undefined;
  let start = end;
  while (start >= 0 && !lines[start]?.includes('<!--')) start -= 1;
  if (start < 0 || !lines[start]?.trimStart().startsWith('<!-- doctest:')) return undefined;
  return { marker: parseMarker(lines.slice(start, end + 1), document, start + 1), start };
}

/** Every checked block of one document; throws on a marker that is malformed or not followed by a block. */
export function codeBlocksOf(document: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  const usedMarkers = new Set<number>();
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[index] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', language = ''] = open;
    let close = index + 1;
    while (close < lines.length && !new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[close] ?? '')) {
      close += 1;
    }
    const extension = EXTENSIONS[language.toLowerCase()];
    if (extension) {
      const found = markerAbove(lines, index, document);
      if (found) usedMarkers.add(found.start);
      const flags = found?.marker.flags ?? new Set<Flag>();
      const code = lines
        .slice(index + 1, close)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n');
      const context = found?.marker.context ?? [];
      const at = context.findIndex((line) => line.trim() === BLOCK_PLACEHOLDER);
      const before = at === -1 ? context : context.slice(0, at);
      const after = at === -1 ? [] : context.slice(at + 1);
      blocks.push({
        id: `${document}:${index + 1}`,
        document,
        fenceLine: index + 1,
        extension: flags.has('commonjs') ? '.cjs' : extension,
        flags,
        code,
        source: [...before, code, ...after, ''].join('\n'),
        blockStartsAt: before.length,
      });
    }
    index = close;
  }
  lines.forEach((line, index) => {
    if (line.trimStart().startsWith('<!-- doctest:') && !usedMarkers.has(index)) {
      throw new Error(`${document}:${index + 1}: a doctest marker must stand right above a ts or js code block`);
    }
  });
  return blocks;
}

/** Every checked block of README.md and docs/*.md. */
export function allCodeBlocks(repository: string): CodeBlock[] {
  return documentsIn(repository).flatMap((document) => codeBlocksOf(document, readFileSync(join(repository, document), 'utf8')));
}
