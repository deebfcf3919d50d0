/**
 * The floors of src/: plugins stand on the SPI (and the core, serialization and
 * observability below it), never on another plugin or on a layer above. Read with the
 * TypeScript compiler's own import scanner, so dynamic imports and re-exports count too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Storage plugins: each may import only itself and the foundation. */
const PLUGINS = ['memory', 'sqlite', 'postgres', 's3', 'fs', 'dynamodb'];
/** What every plugin may stand on. */
const FOUNDATION = ['spi', 'core', 'serialization', 'observability'];
/** What each foundation folder may import (besides itself): never a plugin, never upwards. */
const FOUNDATION_FLOORS: Record<string, readonly string[]> = {
  core: [],
  observability: ['core'],
  serialization: ['core', 'observability'],
  spi: ['core', 'observability', 'serialization'],
};
/** The runtime layers know plugins only through the SPI. */
const RUNTIME_LAYERS = ['runtime', 'machine', 'query', 'time-travel', 'tck'];

interface ImportEdge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder under src/ of a path (`.` for src/index.ts). */
const folderOf = (path: string): string => {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? (parts[0] as string) : '.';
};

/** Every relative import between folders of src/. */
function edges(): ImportEdge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    return importedFiles
      .filter(({ fileName }) => fileName.startsWith('.'))
      .map(({ fileName }) => ({
        file: relative(SRC, file),
        from: folderOf(file),
        to: folderOf(resolve(dirname(file), fileName)),
        specifier: fileName,
      }))
      .filter((edge) => edge.from !== edge.to);
  });
}

const describeEdge = (edge: ImportEdge) => `src/${edge.file} imports ${edge.specifier} (${edge.to}/)`;

/** The edges that break a floor rule, described. */
function violations(graph: readonly ImportEdge[]): string[] {
  return graph
    .filter(
      (edge) =>
        (PLUGINS.includes(edge.from) && !FOUNDATION.includes(edge.to)) ||
        (edge.from in FOUNDATION_FLOORS && !FOUNDATION_FLOORS[edge.from]?.includes(edge.to)) ||
        (RUNTIME_LAYERS.includes(edge.from) && PLUGINS.includes(edge.to)),
    )
    .map(describeEdge);
}

const edge = (from: string, to: string): ImportEdge => ({ file: `${from}/x.ts`, from, to, specifier: `../${to}/y.js` });

describe('the import graph of src/', () => {
  const graph = edges();

  it('is read: the scanner finds imports between folders', () => {
    expect(graph.some((found) => found.from === 's3' && found.to === 'spi')).toBe(true);
    expect(graph.some((found) => found.from === 'runtime' && found.to === 'core')).toBe(true);
  });

  it('keeps every floor rule: plugins on spi/core/serialization/observability only, no upward imports', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('catches a plugin importing another plugin or a layer above the SPI', () => {
    expect(violations([edge('s3', 'fs'), edge('dynamodb', 's3'), edge('sqlite', 'query'), edge('postgres', 'runtime')])).toHaveLength(4);
    expect(violations([edge('s3', 'spi'), edge('fs', 'core'), edge('sqlite', 'serialization'), edge('memory', 'observability')])).toEqual(
      [],
    );
  });

  it('catches the foundation importing upwards and the runtime importing a plugin', () => {
    expect(violations([edge('spi', 'query'), edge('core', 'spi'), edge('serialization', 'spi'), edge('runtime', 'sqlite')])).toHaveLength(
      4,
    );
  });
});
