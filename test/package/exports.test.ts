import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// Imports and requires each built entry by the package's own name, as a user would:
// catches an `exports` map that drifts from what the build emits. `npm test` builds first.
// The consumer's view (a packed tarball in a fresh project) is test/package/consumer.slow.test.ts.
interface Conditions {
  readonly types: string;
  readonly default: string;
}
interface Manifest {
  name: string;
  license: string;
  engines: { node: string };
  files: string[];
  repository: { url: string };
  homepage: string;
  bugs: { url: string };
  keywords: string[];
  types: string;
  typesVersions: Record<string, Record<string, string[]>>;
  exports: Record<string, string | { import: Conditions; require: Conditions }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}
const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as Manifest;
const requireFromHere = createRequire(import.meta.url);

const expectedSymbols: Record<string, string[]> = {
  '.': ['SnapshotSelectionCriteria', 'MemoryJournal', 'Serialization', 'createPersistence', 'defineEntity', 'Machine', 'createReadJournal'],
  './sqlite': ['SqliteJournal', 'SqliteSnapshotStore', 'SqliteDurableStateStore'],
  './postgres': ['PostgresJournal', 'PostgresSnapshotStore', 'PostgresDurableStateStore', 'migrate'],
  './dynamodb': ['DynamoDbJournal', 'DynamoDbSnapshotStore', 'DynamoDbDurableStateStore', 'createTable', 'tableDefinition'],
  './s3': ['S3SnapshotStore', 'createBucketIfMissing'],
  './fs': ['FileSnapshotStore'],
  './inspector': ['createInspectorServer', 'DEFAULT_INSPECTOR_PORT'],
  './tck': ['journalConformance', 'snapshotStoreConformance', 'durableStateStoreConformance'],
  './testkit': ['eventSourcedTestKit', 'durableStateTestKit', 'machineTestKit'],
};

const subpaths = Object.keys(manifest.exports).filter((key) => key !== './package.json');
const specifierOf = (subpath: string) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`);

/**
 * The one layout every subpath follows: `./x` is built to `dist/x/index.js`, with ESM
 * declarations beside it and CommonJS ones under `dist/commonjs-types/x/` (scripts/build.ts).
 * `typesVersions` relies on it for `moduleResolution: node10`. A new subpath copies this.
 */
function expectedEntry(subpath: string) {
  const folder = subpath === '.' ? '' : `${subpath.slice(2)}/`;
  return {
    import: { types: `./dist/${folder}index.d.ts`, default: `./dist/${folder}index.js` },
    require: { types: `./dist/commonjs-types/${folder}index.d.ts`, default: `./dist/${folder}index.js` },
  };
}

describe('package exports', () => {
  it('declares every plugin subpath', () => {
    expect(subpaths.sort()).toEqual(Object.keys(expectedSymbols).sort());
  });

  for (const subpath of subpaths) {
    it(`${subpath} follows the one layout, with import and require conditions`, () => {
      expect(manifest.exports[subpath]).toEqual(expectedEntry(subpath));
    });

    it(`${subpath} resolves to built files that export its public API, by import and by require`, async () => {
      const entry = expectedEntry(subpath);
      for (const file of [entry.import.types, entry.import.default, entry.require.types]) {
        expect(existsSync(new URL(file, root)), `${file} is built`).toBe(true);
      }
      const specifier = specifierOf(subpath);
      const imported = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
      // Node >= 20.19 loads the ES module through require (vitest's own loader makes a second
      // instance here; the consumer test checks that plain Node gives the same one).
      const required = requireFromHere(specifier) as Record<string, unknown>;
      for (const symbol of expectedSymbols[subpath] ?? []) {
        expect(imported[symbol], `${specifier} exports ${symbol}`).toBeDefined();
        expect(typeof required[symbol], `require(${JSON.stringify(specifier)}).${symbol}`).toBe(typeof imported[symbol]);
      }
    });
  }

  it('marks the CommonJS declarations as CommonJS, and types every subpath for moduleResolution node10', () => {
    const marker = JSON.parse(readFileSync(new URL('dist/commonjs-types/package.json', root), 'utf8')) as { type: string };
    expect(marker.type).toBe('commonjs');
    expect(manifest.types).toBe(expectedEntry('.').import.types);
    expect(manifest.typesVersions).toEqual({
      '*': { 'dist/index.d.ts': ['./dist/index.d.ts'], 'package.json': ['./package.json'], '*': ['./dist/*/index.d.ts'] },
    });
  });
});

describe('package metadata', () => {
  it('ships a license, the sources its maps point at, and says where the project lives', () => {
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(new URL('LICENSE', root), 'utf8')).toContain('Copyright (c) 2026 the Memento authors');
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'src', 'docs']));
    expect(manifest.repository.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    expect(manifest.homepage).toMatch(/^https:\/\/github\.com\//);
    expect(manifest.bugs.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/);
    expect(manifest.keywords).toEqual(expect.arrayContaining(['event-sourcing', 'snapshots']));
  });

  it("lists every entry point in the README's Install table, so a user learns what each needs", () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('\n## ', readme.indexOf('## Install') + 1));
    const listed = [...install.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual(subpaths.map(specifierOf).sort());
  });

  it('needs Node >= 20.19, where require loads ES modules', () => {
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0');
  });

  it('keeps drivers, MessagePack, the AWS SDK and the OpenTelemetry API optional peers, never dependencies', () => {
    for (const peer of ['better-sqlite3', 'pg', 'msgpackr', '@aws-sdk/client-s3', '@aws-sdk/client-dynamodb', '@opentelemetry/api']) {
      expect(manifest.dependencies[peer], `${peer} is not a dependency`).toBeUndefined();
      expect(manifest.peerDependencies[peer], `${peer} is a peer`).toBeDefined();
      expect(manifest.peerDependenciesMeta[peer]?.optional, `${peer} is optional`).toBe(true);
    }
  });
});
