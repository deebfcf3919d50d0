/**
 * Files that grew past one sitting once and were split (issue 15): they stay split. The S3
 * store's class grew back past the limit once, when the head copy was added inside it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Split files and the most lines each may have. */
const LIMITS: Record<string, number> = {
  'src/s3/s3-snapshot-store.ts': 299,
};

const linesOf = (path: string): number => readFileSync(resolve(ROOT, path), 'utf8').split('\n').length - 1;

describe('split files stay split', () => {
  for (const [path, limit] of Object.entries(LIMITS)) {
    it(`${path} has at most ${limit} lines`, () => {
      expect(linesOf(path), `${path}: expected at most ${limit} lines (split it by job)`).toBeLessThanOrEqual(limit);
    });
  }
});
