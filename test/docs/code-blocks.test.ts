import { describe, expect, it } from 'vitest';
import { codeBlocksOf } from './code-blocks.js';

const fence = '```';

describe('codeBlocksOf: the doctest markers', () => {
  it('checks every ts and js block, and only those', () => {
    const text = ['# t', `${fence}ts`, 'const a = 1;', fence, `${fence}sh`, 'npm test', fence, `${fence}js`, 'let b;', fence].join('\n');
    expect(codeBlocksOf('docs/t.md', text).map((block) => [block.id, block.extension, block.code])).toEqual([
      ['docs/t.md:2', '.ts', 'const a = 1;'],
      ['docs/t.md:8', '.js', 'let b;'],
    ]);
  });

  it('puts a fragment inside its context at %BLOCK%, and knows where the block starts', () => {
    const text = [
      '<!-- doctest: run fragment',
      'declare const x: number;',
      'f({',
      '%BLOCK%',
      '});',
      '-->',
      '',
      `${fence}ts`,
      'a: x,',
      fence,
    ].join('\n');
    const [block] = codeBlocksOf('docs/t.md', text);
    expect(block?.source).toBe('declare const x: number;\nf({\na: x,\n});\n');
    expect(block?.blockStartsAt).toBe(2);
    expect([...(block?.flags ?? [])]).toEqual(['run', 'fragment']);
  });

  it('refuses an unknown flag, context without "fragment", and a marker above no block', () => {
    expect(() => codeBlocksOf('d.md', `<!-- doctest: runs -->\n${fence}ts\nx\n${fence}`)).toThrow('unknown doctest flag "runs"');
    expect(() => codeBlocksOf('d.md', `<!-- doctest: run\nconst a = 1;\n-->\n${fence}ts\nx\n${fence}`)).toThrow(
      'exactly when it says "fragment"',
    );
    expect(() => codeBlocksOf('d.md', '<!-- doctest: run -->\n\nSome text.')).toThrow('d.md:1: a doctest marker must stand right above');
  });

  it('a commonjs block is a .cjs file', () => {
    expect(codeBlocksOf('d.md', `<!-- doctest: commonjs -->\n${fence}js\nrequire('x');\n${fence}`)[0]?.extension).toBe('.cjs');
  });
});
