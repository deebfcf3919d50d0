/**
 * docs/testing.md's code blocks run as the tests they are: each block is imported here
 * while this file is collected, with the package names pointing at src/. That they compile
 * with strict TypeScript is checked by testing-blocks-compile.slow.test.ts (slow tier).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const blocks = [...readFileSync(join(root, 'docs/testing.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
const runnable = join(root, 'test/docs/.blocks');

afterAll(() => {
  rmSync(runnable, { recursive: true, force: true });
});

mkdirSync(runnable, { recursive: true });
for (const [index, block] of blocks.entries()) {
  const file = join(runnable, `block-${index + 1}.ts`);
  writeFileSync(
    file,
    block.replaceAll("'memento-es/testkit'", "'../../../src/testkit/index.js'").replaceAll("'memento-es'", "'../../../src/index.js'"),
  );
  describe(`docs/testing.md block ${index + 1}`, async () => {
    await import(/* @vite-ignore */ file);
  });
}

describe('docs/testing.md', () => {
  it('has code blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });
});
