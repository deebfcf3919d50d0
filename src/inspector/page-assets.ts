/**
 * The page's files, bundled at build time into dist/inspector/assets/ (see
 * scripts/build-inspector.mjs) and read once when the server starts, so serving needs
 * nothing at run time.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One file of the page. */
export interface PageAsset {
  readonly body: string;
  readonly contentType: string;
}

/** The page's files by URL path. */
export type PageAssets = ReadonlyMap<string, PageAsset>;

const FILES: readonly (readonly [path: string, file: string, contentType: string])[] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/app.css', 'app.css', 'text/css; charset=utf-8'],
];

/**
 * Where the bundle is: next to this module once built (dist/inspector/assets/), or, when
 * this module runs from src/ (tests through tsx), in the repository's dist/.
 */
function assetsDirectory(): string {
  const candidates = [new URL('./assets/', import.meta.url), new URL('../../dist/inspector/assets/', import.meta.url)];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(`${path}index.html`)) return path;
  }
  throw new Error(
    `[memento] [inspector] the inspector page is not built: expected index.html in ${candidates.map((c) => fileURLToPath(c)).join(' or ')}, found none (run npm run build)`,
  );
}

/** Reads the bundled page. */
export function loadPageAssets(): PageAssets {
  const directory = assetsDirectory();
  return new Map(FILES.map(([path, file, contentType]) => [path, { body: readFileSync(`${directory}${file}`, 'utf8'), contentType }]));
}
