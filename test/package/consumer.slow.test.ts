/**
 * The consumer's view: the packed tarball installed into a fresh project, used from ES
 * modules, from CommonJS and from TypeScript under every module resolution. Slow (a pack,
 * several compiler runs); `npm test` builds first.
 *
 * "Installed" without the network and without compiling anything twice: the tarball is
 * unpacked into the project's node_modules/memento-es, as npm lays it out, and each
 * package it declares in `dependencies` (plus the peers and tools the test uses) is linked
 * from this repository's node_modules, which `npm ci` filled. Only declared dependencies
 * are linked, so code that imports an undeclared package fails here as it would for a user.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../', import.meta.url));

interface PackedManifest {
  name: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
}

/** Peers and tools the consumer has installed; msgpackr and pg stay missing on purpose. */
const installedBesides = [
  'better-sqlite3', // the README's first example
  'vitest', // memento-es/tck is imported from test files
  // memento-es/dynamodb loads it lazily, but its declarations name the SDK's client types.
  '@aws-sdk/client-dynamodb',
  'typescript',
  '@types/node',
];

let temporary: string;
let project: string;
let installed: string;
let packedFiles: string[];
let manifest: PackedManifest;

function linkFromRepository(name: string): void {
  const source = join(repository, 'node_modules', name);
  if (!existsSync(source)) throw new Error(`${name} is not in this repository's node_modules: run npm ci`);
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(source, target, 'dir');
}

/** Where Node would find `name` when required from `from`, or undefined. */
function packageDirectory(name: string, from: string): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}

async function node(script: string, cwd = project): Promise<string> {
  const { stdout } = await run(process.execPath, [script], { cwd });
  return stdout;
}

async function typescript(config: string): Promise<void> {
  const tsc = join(project, 'node_modules/typescript/bin/tsc');
  // tsc reports type errors on stdout; show them, not just the exit code.
  await run(process.execPath, [tsc, '-p', config], { cwd: project }).catch((error: { stdout?: string; message: string }) => {
    throw new Error(`tsc -p ${config} failed:\n${error.stdout || error.message}`);
  });
}

const specifiers = () =>
  Object.keys(manifest.exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));

function writeProjectFile(path: string, text: string): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
}

/** The README's first TypeScript block: the example a new user copies first. */
function readmeFirstExample(): string {
  const readme = readFileSync(join(installed, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no ```ts block');
  return block;
}

beforeAll(async () => {
  temporary = await mkdtemp(join(tmpdir(), 'memento-consumer-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', temporary], { cwd: repository });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  packedFiles = packed.files.map((file) => file.path);

  project = join(temporary, 'project');
  installed = join(project, 'node_modules/memento-es');
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  await run('tar', ['-xzf', join(temporary, packed.filename), '-C', installed, '--strip-components=1']);
  manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackedManifest;
  for (const name of [...Object.keys(manifest.dependencies ?? {}), ...installedBesides]) linkFromRepository(name);
});

afterAll(async () => {
  if (temporary) await rm(temporary, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the code, its sources, the docs and the license, and no tests, examples or benchmarks', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'src/index.ts']));
    // The two charts docs/performance.md shows are the only files from bench/.
    const charts = ['bench/results/recovery.svg', 'bench/results/latency.svg'];
    const strays = packedFiles.filter((path) => /^(test|examples|bench|scripts)\//.test(path) && !charts.includes(path));
    expect(strays).toEqual([]);
  });

  it('has source maps and declaration maps that point at files in the package', () => {
    const maps = packedFiles.filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const dangling: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot = '' } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const source of sources) {
        const file = resolve(installed, dirname(map), sourceRoot, source);
        if (!existsSync(file) || relative(installed, file).startsWith('..')) dangling.push(`${map} -> ${source}`);
      }
    }
    expect(dangling).toEqual([]);
  });

  it('has docs whose relative links and images point at files in the package', () => {
    const pages = packedFiles.filter((path) => path.endsWith('.md'));
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(installed, page), 'utf8');
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
        const file = resolve(installed, dirname(page), target.split('#')[0] ?? '');
        if (!existsSync(file) || relative(installed, file).startsWith('..')) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('runs no install script: none of its dependencies, however deep, has one', () => {
    const seen = new Set<string>();
    const withScripts: string[] = [];
    const visit = (name: string, from: string) => {
      const directory = packageDirectory(name, from);
      if (directory === undefined || seen.has(directory)) return;
      seen.add(directory);
      const dependency = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
        dependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
      };
      const scripts = ['preinstall', 'install', 'postinstall'].filter((script) => dependency.scripts?.[script]);
      if (scripts.length > 0 || existsSync(join(directory, 'binding.gyp')))
        withScripts.push(`${name} (${scripts.join(', ') || 'binding.gyp'})`);
      for (const next of Object.keys({ ...dependency.dependencies, ...dependency.optionalDependencies })) visit(next, directory);
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) visit(name, repository);
    expect(seen.size).toBeGreaterThan(0);
    expect(withScripts).toEqual([]);
  });
});

describe('a fresh project using the package', () => {
  it('requires and imports every entry point, getting the same module both ways', async () => {
    writeProjectFile(
      'load-all.cjs',
      `const specifiers = ${JSON.stringify(specifiers())};
(async () => {
  const report = {};
  for (const specifier of specifiers) {
    const required = require(specifier);
    const imported = await import(specifier);
    const names = Object.keys(imported).filter((name) => name !== 'default' && name !== 'module.exports');
    report[specifier] = { exports: names.length, same: names.every((name) => required[name] === imported[name]) };
  }
  console.log(JSON.stringify(report));
})();
`,
    );
    const report = JSON.parse(await node('load-all.cjs')) as Record<string, { exports: number; same: boolean }>;
    expect(Object.keys(report)).toEqual(specifiers());
    for (const [specifier, entry] of Object.entries(report)) {
      expect(entry.exports, `${specifier} exports something`).toBeGreaterThan(0);
      expect(entry.same, `require(${JSON.stringify(specifier)}) gives the imported module, not a copy`).toBe(true);
    }
  });

  it('serves the inspector page from the installed package: the bundle ships, nothing is built at run time', async () => {
    writeProjectFile(
      'serve-inspector.mjs',
      `import { createInspectorServer } from 'memento-es/inspector';
// Only the page's files are fetched here; the store behind it is not asked anything.
const unused = () => { throw new Error('not used by this check'); };
const names = ['ids', 'events', 'follow', 'snapshots', 'definitions', 'stateAt', 'diff', 'verify', 'deleteSnapshot', 'close'];
const server = await createInspectorServer({ inspection: Object.fromEntries(names.map((name) => [name, unused])), port: 0 });
const page = await (await fetch(server.url)).text();
const script = await fetch(new URL('/app.js', server.url));
console.log(JSON.stringify({ page: page.includes('src="/app.js"'), status: script.status, bytes: (await script.text()).length }));
await server.close();
`,
    );
    const served = JSON.parse(await node('serve-inspector.mjs')) as { page: boolean; status: number; bytes: number };
    expect(served).toEqual({ page: true, status: 200, bytes: expect.any(Number) });
    expect(served.bytes).toBeGreaterThan(10_000);
  });

  // The TypeScript compiler reads about a thousand declaration files here (Node's, vitest's
  // and the AWS SDK's, which the tck and s3 entry points reference): several seconds of CPU
  // per run even with skipLibCheck, a quarter minute without.
  const compilerTimeout = 120_000;
  const importsOfEveryEntryPoint = () =>
    `${specifiers()
      .map((specifier, index) => `import * as entry${index} from '${specifier}';`)
      .join('\n')}\n\nexport const entries = [${specifiers()
      .map((_, index) => `entry${index}`)
      .join(', ')}];\n`;
  const typeCheck = async (name: string, compilerOptions: Record<string, unknown>, files: string[]) => {
    for (const file of files) writeProjectFile(`types/${name}/${file}`, importsOfEveryEntryPoint());
    writeProjectFile(
      `tsconfig.${name}.json`,
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, types: ['node'], skipLibCheck: true, ...compilerOptions },
        files: files.map((file) => `types/${name}/${file}`),
      }),
    );
    await typescript(`tsconfig.${name}.json`);
  };

  it(
    "compiles the README's first example and an import of every entry point under module nodenext, as ES module and CommonJS, checking our declarations too",
    async () => {
      const example = readmeFirstExample();
      const imports = example.split('\n').filter((line) => line.startsWith('import '));
      const body = example.split('\n').filter((line) => !line.startsWith('import '));
      // The example ends with `const balance = await ...ask(...)`: print what it got.
      writeProjectFile('example/first.mts', `${example}\nconsole.log(JSON.stringify(balance));\n`);
      // CommonJS has no top-level await: the same statements inside an async function.
      writeProjectFile(
        'example/first.cts',
        `${imports.join('\n')}\n\nasync function main(): Promise<void> {\n${body.join('\n')}\nconsole.log(JSON.stringify(balance));\n}\n\nvoid main();\n`,
      );
      writeProjectFile('example/imports.mts', importsOfEveryEntryPoint());
      writeProjectFile('example/imports.cts', importsOfEveryEntryPoint());
      writeProjectFile(
        'tsconfig.nodenext.json',
        JSON.stringify({
          // No skipLibCheck: a user who type-checks libraries must meet no error of ours, in
          // the ES module declarations nor in the CommonJS copy.
          compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, types: ['node'], rootDir: 'example', outDir: 'build' },
          files: ['example/first.mts', 'example/first.cts', 'example/imports.mts', 'example/imports.cts'],
        }),
      );
      await typescript('tsconfig.nodenext.json');
    },
    compilerTimeout,
  );

  it("runs the README's first example from an ES module and from CommonJS", async () => {
    for (const [script, directory] of [
      ['build/first.mjs', 'esm'],
      ['build/first.cjs', 'cjs'],
    ] as const) {
      // Each in a directory of its own: the example's ./app.db starts empty.
      mkdirSync(join(project, directory));
      expect((await node(join(project, script), join(project, directory))).trim(), script).toBe('10');
      expect(existsSync(join(project, directory, 'app.db'))).toBe(true);
    }
  });

  it(
    'type-checks an import of every entry point under module node16, from an ES module and from CommonJS',
    async () => {
      await typeCheck('node16', { module: 'node16', moduleResolution: 'node16' }, ['imports.mts', 'imports.cts']);
    },
    compilerTimeout,
  );

  it(
    'type-checks an import of every entry point under moduleResolution bundler',
    async () => {
      await typeCheck('bundler', { module: 'preserve', moduleResolution: 'bundler' }, ['imports.ts']);
    },
    compilerTimeout,
  );

  it(
    'type-checks an import of every entry point under module commonjs (moduleResolution node10, which ignores exports)',
    async () => {
      await typeCheck('node10', { module: 'commonjs', moduleResolution: 'node10' }, ['imports.ts']);
    },
    compilerTimeout,
  );

  it('says which package to install when an optional peer is missing, at first use and not at import', async () => {
    writeProjectFile(
      'missing-peers.mjs',
      `import { MessagePackSerializer, Serialization } from 'memento-es';
import { PostgresJournal } from 'memento-es/postgres';
const outcome = async (attempt) => {
  try { await attempt(); return 'no error'; } catch (error) { return { name: error.name, code: error.code, dependency: error.dependency, message: error.message }; }
};
console.log(JSON.stringify({
  msgpackDefault: await outcome(() => new Serialization({ defaultSerializer: 'msgpack' })),
  msgpackWrite: await outcome(() => new MessagePackSerializer().toBinary({ a: 1 })),
  pg: await outcome(async () => {
    const journal = new PostgresJournal({ connectionString: 'postgres://127.0.0.1:1/none' });
    try { await journal.highestSequenceNr('account-1'); } finally { await journal.close(); }
  }),
}));
`,
    );
    const outcomes = JSON.parse(await node('missing-peers.mjs')) as Record<
      string,
      { name: string; code: string; dependency: string; message: string }
    >;
    const peerMissing = (dependency: string, source: string) => ({
      name: 'PeerDependencyError',
      code: 'MEMENTO_PEER_DEPENDENCY',
      dependency,
      message: expect.stringMatching(
        new RegExp(`^\\[memento\\] \\[${source}\\] ${dependency} is not installed; install it with "npm install ${dependency}"`),
      ),
    });
    expect(outcomes.msgpackDefault).toEqual(peerMissing('msgpackr', 'msgpack'));
    expect(outcomes.msgpackWrite).toEqual(peerMissing('msgpackr', 'msgpack'));
    expect(outcomes.pg).toEqual(peerMissing('pg', 'postgres'));
  });
  it('runs a test of its own entity with memento-es/testkit under vitest, failing on a state the serializer would change', async () => {
    writeProjectFile(
      'tests/account.test.mjs',
      `import { defineEntity, Effect } from 'memento-es';
import { eventSourcedTestKit } from 'memento-es/testkit';
import { afterEach, expect, it } from 'vitest';

const Account = defineEntity({
  name: 'account',
  emptyState: { balance: 0 },
  commandHandler: (state, command) => Effect.persist({ type: 'deposited', amount: command.amount }).thenReply((next) => next.balance),
  eventHandler: (state, event) => ({ balance: state.balance + event.amount }),
});
const kits = [];
afterEach(() => Promise.all(kits.splice(0).map((kit) => kit.close())));

it('deposits and recovers', async () => {
  const kit = eventSourcedTestKit(Account);
  kits.push(kit);
  const result = await kit.run({ amount: 10 });
  expect(result.events).toEqual([{ type: 'deposited', amount: 10 }]);
  expect(result.reply).toBe(10);
  expect(await kit.restart()).toEqual({ balance: 10 });
});

it('names the path of a value the serializer would not keep', async () => {
  class Cents { constructor(value) { this.value = value; } }
  const Broken = defineEntity({ ...Account, name: 'broken', commandHandler: () => Effect.persist({ type: 'deposited', amount: new Cents(1) }) });
  const kit = eventSourcedTestKit(Broken);
  kits.push(kit);
  await expect(kit.run({})).rejects.toThrow(/event\\.amount/);
});
`,
    );
    const vitest = join(project, 'node_modules/vitest/vitest.mjs');
    const { stdout } = await run(process.execPath, [vitest, 'run', '--root', project, '--dir', 'tests', '--reporter', 'json'], {
      cwd: project,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`vitest failed in the consumer project:\n${error.stdout || ''}${error.stderr || error.message}`);
    });
    const report = JSON.parse(stdout) as { numPassedTests: number; numFailedTests: number };
    expect(report).toMatchObject({ numPassedTests: 2, numFailedTests: 0 });
  }, 120_000);
});

describe('the consumer project itself', () => {
  it('has only what the test linked in node_modules', () => {
    // Guards the test: a peer that slipped in would hide a missing-peer failure above.
    // Dot folders are tools' caches (vitest's .vite from the test kit run), not packages.
    const names = readdirSync(join(project, 'node_modules'))
      .filter((entry) => !entry.startsWith('.'))
      .flatMap((entry) =>
        entry.startsWith('@') ? readdirSync(join(project, 'node_modules', entry)).map((inner) => `${entry}/${inner}`) : [entry],
      );
    expect(names.sort()).toEqual([...new Set(['memento-es', ...Object.keys(manifest.dependencies ?? {}), ...installedBesides])].sort());
    expect(names).not.toContain('msgpackr');
    expect(names).not.toContain('pg');
  });
});
