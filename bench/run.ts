/**
 * `npm run bench`: every scenario of issue 7, each figure a ratio against a reference
 * measured in the same run (median of several rounds). Prints a table per scenario and
 * writes bench/results/latest.json, bench/results/recovery.svg and docs/performance.md.
 *
 * Options: --quick, --rounds N, --append-events N, --replay-events N,
 * --recovery-sizes a,b,c, --snapshot-sizes bytes,bytes (of 1024, 1048576, 10485760), --memory-events a,b, --peer-events N, --dynamodb-events N, --inspector-events N,
 * --inspector-points N, --only a,b, --no-peers,
 * --no-docs, --no-setup, --no-quiet-wait (skip the wait, up to 60 s, for a 1-minute load
 * average below 0.5: bench/quiet.ts). Env MEMENTO_PG_URL selects the PostgreSQL server.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { waitForQuiet } from './quiet.js';
import { type BenchReport, formatMarkdown, formatText, type HistoryEntry, latencySvg, recoverySvg, verdictsOf } from './report/format.js';
import { runAppendScenario } from './scenarios/append.js';
import { type BenchSettings, codeFrom, root, type ScenarioResult } from './scenarios/common.js';
import { runDynamoDbScenario } from './scenarios/dynamodb.js';
import { buildFixtures, type Fixtures } from './scenarios/fixtures.js';
import { runInspectorScenario } from './scenarios/inspector.js';
import { runMemoryScenario } from './scenarios/memory.js';
import { runPeersScenario } from './scenarios/peers.js';
import type { RecoveryPoint } from './scenarios/recovery.js';
import { recoveryLengths, runRecoveryScenario } from './scenarios/recovery.js';
import { runReplayScenario } from './scenarios/replay.js';
import { runResponsivenessScenario } from './scenarios/responsiveness.js';
import { runSnapshotScenario } from './scenarios/snapshots.js';
import { runWorkloadScenario, type WorkloadData } from './scenarios/workload.js';

const SCENARIOS = [
  'append',
  'replay',
  'recovery',
  'responsiveness',
  'snapshots',
  'memory',
  'peers',
  'workload',
  'dynamodb',
  'inspector',
] as const;
type ScenarioId = (typeof SCENARIOS)[number];

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string): string | undefined => {
  const at = argv.indexOf(`--${name}`);
  if (at !== -1) return argv[at + 1];
  return argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const numberOf = (name: string, fallback: number) => {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--${name} wants a positive integer, got ${raw}`);
  return parsed;
};
const listOf = (name: string, fallback: number[]) => {
  const raw = value(name);
  return raw === undefined ? fallback : raw.split(',').map((item) => Number(item.replaceAll('_', '')));
};

const quick = flag('quick');
const only = (value('only')?.split(',') ?? [...SCENARIOS]).filter((id) => !(id === 'peers' && flag('no-peers'))) as ScenarioId[];
for (const id of only) if (!SCENARIOS.includes(id)) throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.join(', ')}`);
const settings: BenchSettings = {
  quick,
  rounds: numberOf('rounds', quick ? 3 : 5),
  appendEvents: numberOf('append-events', quick ? 10_000 : 50_000),
  appendEntities: numberOf('append-entities', 100),
  runtimeCommands: numberOf('runtime-commands', quick ? 5_000 : 20_000),
  replayEvents: numberOf('replay-events', quick ? 100_000 : 1_000_000),
  recoverySizes: listOf('recovery-sizes', quick ? [1000, 10_000, 100_000] : [1000, 100_000, 1_000_000]).sort((a, b) => a - b),
  snapshotRounds: numberOf('snapshot-rounds', quick ? 5 : 15),
  snapshotSizes: listOf('snapshot-sizes', [1024, 1024 * 1024, 10 * 1024 * 1024]),
  peerRounds: numberOf('peer-rounds', quick ? 3 : 15),
  memoryEvents: listOf('memory-events', quick ? [10_000, 100_000] : [100_000, 1_000_000]),
  peerEvents: numberOf('peer-events', quick ? 2000 : 10_000),
  peerSqliteEvents: numberOf('peer-sqlite-events', quick ? 1000 : 2500),
  peerLoadEvents: numberOf('peer-load-events', 10_000),
  latencyWrites: numberOf('latency-writes', quick ? 100 : 300),
  dynamodbEvents: numberOf('dynamodb-events', quick ? 2_000 : 5_000),
  inspectorEvents: numberOf('inspector-events', quick ? 100_000 : 1_000_000),
  inspectorPoints: numberOf('inspector-points', quick ? 30 : 100),
  workload: {
    entities: numberOf('workload-entities', 10_000),
    rate: numberOf('workload-rate', quick ? 500 : 2000),
    seconds: numberOf('workload-seconds', quick ? 5 : 10),
    zipf: Number(value('workload-zipf') ?? 1),
    writeShare: 0.8,
    killAfterSeconds: numberOf('workload-kill-after', quick ? 3 : 5),
    peers: !flag('no-peers'),
  },
  log: (line: string) => console.log(`  … ${line}`),
};

/** Whether `dir`'s node_modules were installed from its current lockfile. */
const installedFromLock = (dir: string): boolean => {
  const installed = join(dir, 'node_modules', '.package-lock.json');
  return existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(dir, 'package-lock.json')).mtimeMs;
};

/**
 * Installs bench/'s peer libraries (`npm ci --prefix bench`, whose postinstall installs
 * bench/peers-sqlite) unless already installed from the current lockfiles. bench/peers-sqlite
 * is checked on its own: a copied bench/node_modules without it left the Emmett SQLite peer
 * out of a whole run.
 */
function ensurePeers(): void {
  const bench = join(root, 'bench');
  const sqlitePeer = join(bench, 'peers-sqlite');
  const install = (dir: string) => {
    console.log(`installing the peer libraries: npm ci --prefix ${dir} (compiles sqlite3 the first time, a few minutes)`);
    const result = spawnSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: root });
    if (result.status !== 0) console.log('peer install failed; the peers and workload scenarios will report what is missing');
  };
  if (!installedFromLock(bench)) install(bench);
  else if (!installedFromLock(sqlitePeer)) install(sqlitePeer);
}

const version = (dir: string, name: string): string | undefined => {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
};

function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = {
    memento: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
  };
  for (const name of ['better-sqlite3', 'pg', '@aws-sdk/client-s3', 's3rver', 'msgpackr', 'tsx', 'typescript']) {
    const v = version(root, name);
    if (v) versions[name] = v;
  }
  for (const name of ['@event-driven-io/emmett-postgresql', '@castore/event-storage-adapter-postgres', 'postgres']) {
    const v = version(join(root, 'bench'), name);
    if (v) versions[name] = v;
  }
  const v = version(join(root, 'bench', 'peers-sqlite'), '@event-driven-io/emmett-sqlite');
  if (v) versions['@event-driven-io/emmett-sqlite'] = v;
  const sqlite3 = version(join(root, 'bench', 'peers-sqlite'), 'sqlite3');
  if (sqlite3) versions.sqlite3 = sqlite3;
  return versions;
}

const started = performance.now();
if ((only.includes('peers') || only.includes('workload')) && !flag('no-setup')) ensurePeers();
const quietWait = flag('no-quiet-wait') ? undefined : await waitForQuiet({ threshold: 0.5, maxSeconds: 60, log: console.log });
const loadAtStart = os.loadavg();
const code = codeFrom();
console.log(
  `memento bench: ${only.join(', ')}; measuring ${code === 'dist' ? 'dist/' : 'src/ through tsx (run npm run build to measure dist/)'}`,
);
const scenarios: ScenarioResult[] = [];
const scenarioSeconds: Record<string, number> = {};
const errors: { scenario: string; message: string }[] = [];
const dir = mkdtempSync(join(os.tmpdir(), 'memento-bench-run-'));
let fixtures: Fixtures | undefined;
try {
  const needs = (id: ScenarioId) => only.includes(id);
  const sqliteLengths = [
    ...(needs('replay') || needs('responsiveness') ? [settings.replayEvents] : []),
    ...(needs('recovery') ? recoveryLengths(settings.recoverySizes) : []),
    ...(needs('memory') ? settings.memoryEvents : []),
    ...(needs('peers') ? [settings.peerLoadEvents] : []),
    ...(needs('inspector') ? [settings.inspectorEvents] : []),
  ];
  const pgLengths = [
    ...(needs('replay') ? [settings.replayEvents] : []),
    ...(needs('memory') ? settings.memoryEvents : []),
    ...(needs('peers') ? [settings.peerLoadEvents] : []),
  ];
  const run = async (id: ScenarioId, work: () => Promise<ScenarioResult>) => {
    if (!needs(id)) return;
    console.log(`\n[${id}]`);
    const at = performance.now();
    try {
      const result = await work();
      scenarios.push(result);
      console.log(formatText(result));
      console.log(`  (${((performance.now() - at) / 1000).toFixed(0)} s)`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ scenario: id, message });
      console.log(`scenario ${id} failed: ${error instanceof Error ? error.stack : message}`);
    }
    scenarioSeconds[id] = (performance.now() - at) / 1000;
  };
  await run('append', () => runAppendScenario(settings));
  if (sqliteLengths.length > 0) {
    console.log('\n[fixtures]');
    const at = performance.now();
    fixtures = await buildFixtures(dir, sqliteLengths, pgLengths, needs('replay') ? [settings.replayEvents] : [], settings.log);
    scenarioSeconds.fixtures = (performance.now() - at) / 1000;
  }
  const f = fixtures as Fixtures;
  await run('replay', () => runReplayScenario(settings, f));
  await run('recovery', () => runRecoveryScenario(settings, f, dir));
  await run('responsiveness', () => runResponsivenessScenario(settings, f));
  await run('memory', () => runMemoryScenario(settings, f));
  await run('snapshots', () => runSnapshotScenario(settings));
  await run('peers', () => runPeersScenario(settings, f));
  await run('workload', () => runWorkloadScenario(settings));
  await run('dynamodb', () => runDynamoDbScenario(settings));
  await run('inspector', () => runInspectorScenario(settings, f, dir));
} finally {
  await fixtures?.close();
  rmSync(dir, { recursive: true, force: true });
}

const { log: _log, ...printable } = settings;
// Only a run with every scenario at the default sizes counts towards "three full runs in a row".
const full = !quick && argv.every((arg) => ['--no-setup', '--no-docs', '--no-quiet-wait'].includes(arg));
const report: BenchReport = {
  date: new Date().toISOString(),
  command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  code,
  full,
  machine: {
    cpus: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: loadAtStart,
    loadavgAtEnd: os.loadavg(),
    ...(quietWait ? { loadavgBeforeWait: quietWait.loadavgBefore, quietWaitSeconds: quietWait.waitedSeconds } : {}),
  },
  node: process.version,
  packages: packageVersions(),
  settings: printable,
  durationSeconds: (performance.now() - started) / 1000,
  scenarioSeconds,
  scenarios,
  errors,
};
const results = join(root, 'bench', 'results');
mkdirSync(results, { recursive: true });
const written: string[] = [];
const write = (file: string, text: string) => {
  writeFileSync(join(root, file), text);
  written.push(file);
};
if (full) {
  write('bench/results/latest.json', `${JSON.stringify(report, null, 2)}\n`);
  const historyFile = join(results, 'history.json');
  const history: HistoryEntry[] = existsSync(historyFile) ? (JSON.parse(readFileSync(historyFile, 'utf8')) as HistoryEntry[]) : [];
  history.push({ date: report.date, command: report.command, loadavg: loadAtStart, targets: verdictsOf(report) });
  write('bench/results/history.json', `${JSON.stringify(history, null, 2)}\n`);
  const recovery = scenarios.find((scenario) => scenario.id === 'recovery');
  if (recovery) write('bench/results/recovery.svg', recoverySvg(recovery.data as RecoveryPoint[]));
  const workload = scenarios.find((scenario) => scenario.id === 'workload');
  if (workload) write('bench/results/latency.svg', latencySvg(workload.data as WorkloadData));
  if (!flag('no-docs')) write('docs/performance.md', formatMarkdown(report, history, { workload: workload !== undefined }));
} else {
  // A partial or quick run never replaces the full run's figures.
  write('bench/results/partial.json', `${JSON.stringify(report, null, 2)}\n`);
}
console.log(
  `\nwrote ${written.join(', ')} in ${Math.round(report.durationSeconds)} s${full ? '' : ' (not a full run: latest.json, history.json and docs/performance.md untouched)'}`,
);
if (errors.length > 0) process.exitCode = 1;
