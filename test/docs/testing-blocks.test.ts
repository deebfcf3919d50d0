/**
 * docs/testing.md's code blocks compile, against the sources under the package's own
 * names (`memento-es`, `memento-es/testkit`), and run as the tests they are: each block is
 * imported here while this file is collected, with the package names pointing at src/.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const blocks = [...readFileSync(join(root, 'docs/testing.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
// Under the repository, so `vitest` and `@types/node` resolve from its node_modules.
const folder = join(root, 'node_modules/.cache/memento-testing-doc');

const runnable = join(root, 'test/docs/.blocks');

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
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

  it('compiles every block with strict TypeScript', () => {
    mkdirSync(folder, { recursive: true });
    const files = blocks.map((block, index) => {
      const file = join(folder, `block-${index + 1}.test.ts`);
      writeFileSync(file, block);
      return file;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      paths: { 'memento-es': [join(root, 'src/index.ts')], 'memento-es/*': [join(root, 'src/*/index.ts')] },
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file === undefined || files.includes(diagnostic.file.fileName))
      .map((diagnostic) => {
        const where = diagnostic.file
          ? `${diagnostic.file.fileName.slice(folder.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
          : '';
        return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
