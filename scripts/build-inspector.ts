/**
 * Bundles the web inspector's page (src/inspector/page/, Preact) into
 * dist/inspector/assets/{index.html,app.js,app.css}, so `memento serve` needs nothing at
 * run time. Run by `npm run build` after scripts/build.ts. The page may not import node:* modules:
 * the browser platform fails the build if it does.
 * @module
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'src', 'inspector', 'page');
const out = join(root, 'dist', 'inspector', 'assets');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(page, 'main.tsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(page, 'index.html'), join(out, 'index.html'));
