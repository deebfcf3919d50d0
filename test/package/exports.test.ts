import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Imports each built entry by the package's own name, as a user would: catches an
// `exports` map that drifts from what the build emits. `npm test` builds first.
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; import: string }>;
};

const expectedSymbols: Record<string, string[]> = {
  '.': ['SnapshotSelectionCriteria', 'MemoryJournal', 'Serialization', 'createPersistence', 'defineEntity', 'Machine', 'createReadJournal'],
  './sqlite': ['SqliteJournal', 'SqliteSnapshotStore', 'SqliteDurableStateStore'],
  './postgres': ['PostgresJournal', 'PostgresSnapshotStore', 'PostgresDurableStateStore', 'migrate'],
  './dynamodb': ['DynamoDbJournal', 'DynamoDbSnapshotStore', 'DynamoDbDurableStateStore', 'createTable', 'tableDefinition'],
  './s3': ['S3SnapshotStore', 'createBucketIfMissing'],
  './fs': ['FileSnapshotStore'],
  './tck': ['journalConformance', 'snapshotStoreConformance', 'durableStateStoreConformance'],
};

describe('package exports', () => {
  const subpaths = Object.keys(manifest.exports).filter((key) => key !== './package.json');

  it('declares every plugin subpath', () => {
    expect(subpaths.sort()).toEqual(Object.keys(expectedSymbols).sort());
  });

  for (const subpath of subpaths) {
    it(`${subpath} resolves to built files that export its public API`, async () => {
      const target = manifest.exports[subpath] as { types: string; import: string };
      expect(existsSync(new URL(`../../${target.types}`, import.meta.url)), `${target.types} is built`).toBe(true);
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
      for (const symbol of expectedSymbols[subpath] ?? []) expect(module[symbol], `${specifier} exports ${symbol}`).toBeDefined();
    });
  }
});
