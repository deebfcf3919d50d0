/**
 * Every TypeScript and JavaScript block of README.md and docs/*.md type-checks against the
 * built package, and the blocks marked `<!-- doctest: run -->` run (the convention:
 * README.md, "Code blocks in the docs"). Slow tier: it needs `npm run build`,
 * which `npm test` does first.
 *
 * The blocks are written into a folder inside the repository, so `memento-es`,
 * `memento-es/sqlite`, ... resolve through the package's self-reference to `dist/`, exactly as
 * they resolve for a user, and type-checked as one TypeScript program (one compiler run for
 * all of them). Each runnable block then runs in its own fresh working directory.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, PG_URL } from '../postgres/support.js';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../support/s3-server.js';
import { allCodeBlocks, type CodeBlock } from './code-blocks.js';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../', import.meta.url));
const blocks = allCodeBlocks(repository);

/** What a user's strict project would say; nothing looser than that. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  allowJs: true,
  checkJs: true,
  skipLibCheck: true,
  esModuleInterop: true,
};

let folder: string;
const fileOf = (block: CodeBlock) => join(folder, `${block.id.replace(/[^\w]+/g, '-')}${block.extension}`);
const emittedOf = (block: CodeBlock) =>
  join(folder, 'out', `${block.id.replace(/[^\w]+/g, '-')}${block.extension === '.ts' ? '.js' : block.extension}`);
const diagnostics = new Map<string, string[]>();

/** `docs/x.md:12: TS2345 ...` for a diagnostic in the block, `(context line 3)` for one in its hidden context. */
function describeDiagnostic(block: CodeBlock, diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!diagnostic.file || diagnostic.start === undefined) return `TS${diagnostic.code} ${message}`;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const blockLines = block.code.split('\n').length;
  const inBlock = line >= block.blockStartsAt && line < block.blockStartsAt + blockLines;
  const where = inBlock ? `${block.document}:${block.fenceLine + 1 + line - block.blockStartsAt}` : `${block.id} (its doctest context)`;
  return `${where}: TS${diagnostic.code} ${message}`;
}

/**
 * A PostgreSQL database of its own for a block that uses `memento-es/postgres` (given to it as
 * `DATABASE_URL`), so the schema names a doc shows never meet other tests' tables.
 */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const pool = await connect(1);
  const name = `memento_docs_${randomBytes(6).toString('hex')}`;
  await pool.query(`CREATE DATABASE "${name}"`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      await pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await pool.end();
    },
  };
}

/** A block that uses `memento-es/s3` reaches the S3 server through the SDK's own environment variables. */
const s3Environment = (server: S3TestServer) => ({
  AWS_ENDPOINT: server.endpoint,
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
});

beforeAll(() => {
  if (!existsSync(join(repository, 'dist/index.d.ts'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
  mkdirSync(join(repository, 'test-output'), { recursive: true });
  folder = mkdtempSync(join(repository, 'test-output', 'docs-blocks-'));
  for (const block of blocks) writeFileSync(fileOf(block), block.source);
  const program = ts.createProgram(
    blocks.map((block) => fileOf(block)),
    { ...COMPILER_OPTIONS, rootDir: folder, outDir: join(folder, 'out') },
  );
  const byFile = new Map(blocks.map((block) => [fileOf(block), block]));
  const found = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  for (const diagnostic of found) {
    const block = diagnostic.file ? byFile.get(diagnostic.file.fileName) : undefined;
    if (diagnostic.file && !block) throw new Error(`a diagnostic outside the doc blocks: ${diagnostic.file.fileName}`);
    const targets = block ? [block] : blocks; // a global diagnostic concerns every block
    for (const target of targets)
      diagnostics.set(target.id, [...(diagnostics.get(target.id) ?? []), describeDiagnostic(target, diagnostic)]);
  }
}, 120_000);

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('code blocks in README.md and docs/*.md', () => {
  it('finds the blocks of every document', () => {
    expect(blocks.length).toBeGreaterThan(40);
    expect(new Set(blocks.map((block) => block.document))).toContain('README.md');
  });

  for (const block of blocks) {
    it(`${block.id} type-checks against the built package`, () => {
      expect(diagnostics.get(block.id) ?? []).toEqual([]);
    });
  }

  for (const block of blocks.filter((candidate) => candidate.flags.has('run'))) {
    it(`${block.id} runs and exits with code 0`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'memento-doc-block-'));
      const database = block.source.includes("'memento-es/postgres'") ? await createDatabase() : undefined;
      const s3 = block.source.includes("'memento-es/s3'") ? await startS3Server() : undefined;
      try {
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          ...(database ? { DATABASE_URL: database.url } : {}),
          ...(s3 ? s3Environment(s3) : {}),
        };
        // Whatever region the machine has, the doc's defaults must do.
        for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'REGION']) delete env[name];
        await run(process.execPath, [emittedOf(block)], { cwd, env, timeout: 60_000 }).catch(
          (error: { code?: number; signal?: string; stdout?: string; stderr?: string }) => {
            throw new Error(`${block.id} exited with ${error.signal ?? `code ${error.code}`}:\n${error.stderr}\n${error.stdout}`);
          },
        );
      } finally {
        rmSync(cwd, { recursive: true, force: true });
        await database?.drop();
        await s3?.stop();
      }
    }, 90_000);
  }
});
