/**
 * docs/testing.md's code blocks compile with strict TypeScript against the sources under
 * the package's own names (`memento-es`, `memento-es/testkit`). Slow tier: building the
 * program type-checks the whole of src/; test/docs/testing-blocks.test.ts runs the blocks
 * in the fast tier.
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

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('docs/testing.md', () => {
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
