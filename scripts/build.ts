/**
 * `npm run build`: compiles `src/` to `dist/` from scratch, then writes the CommonJS copy
 * of the declarations that `require` consumers resolve (see docs/install.md).
 *
 * Why a clean build: `tsc` never deletes outputs, so a moved or deleted source would stay
 * in `dist/` as a stale module and be packed. Why a copy of the declarations: the runtime
 * is ESM only (Node >= 20.19 loads it through `require`), but TypeScript on
 * `module: node16` refuses a `require` whose declarations are ESM (TS1479); the same
 * declarations under a `{"type": "commonjs"}` folder describe what `require` returns.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
/** Where the CommonJS declarations go; package.json's `require` conditions point here. */
const commonjsTypes = join(dist, 'commonjs-types');

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const declarations = filesUnder(dist).filter((file) => file.endsWith('.d.ts') || file.endsWith('.d.ts.map'));
for (const file of declarations) {
  const target = join(commonjsTypes, relative(dist, file));
  mkdirSync(dirname(target), { recursive: true });
  let text = readFileSync(file, 'utf8');
  if (file.endsWith('.map')) {
    // One folder deeper than the original: keep the map's sources pointing at src/.
    const map = JSON.parse(text) as { sources: string[] };
    map.sources = map.sources.map((source) => `../${source}`);
    text = JSON.stringify(map);
  }
  writeFileSync(target, text);
}
writeFileSync(join(commonjsTypes, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
