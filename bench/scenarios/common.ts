/**
 * Shared helpers of the scenarios bench/run.ts runs: statistics, the interleaved rounds
 * every comparison uses, the code under test (the built dist/, as users run it) and the
 * result rows every scenario returns.
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';

export type MementoModule = typeof import('../../src/index.js');
export type SqliteModule = typeof import('../../src/sqlite/index.js');
export type PostgresModule = typeof import('../../src/postgres/index.js');
export type S3Module = typeof import('../../src/s3/index.js');
export type FsModule = typeof import('../../src/fs/index.js');
export type SnapshotFrameModule = typeof import('../../src/spi/snapshot-frame.js');
export type SnapshotSupportModule = typeof import('../../src/spi/snapshot-support.js');
export type InspectorModule = typeof import('../../src/inspector/index.js');
export type InspectModule = typeof import('../../src/inspect/index.js');

/** Smallest, median and largest of a set of samples, and how many there were. */
export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly n: number;
}

/** One raw strategy tried for a reference, with its samples' statistics. */
export interface Strategy {
  readonly name: string;
  readonly stats: Stats;
}

/** One line of a scenario table: our figure against a reference measured in the same run. */
export interface Row {
  readonly name: string;
  /** Our figure (median; unit in `unit`). */
  readonly ours: number;
  /** The reference's figure (median), same unit. */
  readonly reference: number;
  /** Exactly what the reference does (for raw references: the winning strategy). */
  readonly referenceName: string;
  readonly unit: string;
  /** Ratio of the medians; how to read it is in `ratioNote`. */
  readonly ratio: number;
  /** How to read the ratio, e.g. 'ours / raw'. */
  readonly ratioNote: string;
  /** Min / median / max of our samples, when there are rounds. */
  readonly oursStats?: Stats;
  /** Min / median / max of the reference's samples. */
  readonly referenceStats?: Stats;
  /** Every raw strategy tried for the reference, best first (the reference is the first). */
  readonly strategies?: readonly Strategy[];
  /** A further comparison, shown after the ratio. */
  readonly extra?: string;
  /** Target, if the issue sets one. */
  readonly target?: string;
  /** Whether the target is met in this run. */
  readonly met?: boolean;
}

/** The result of one scenario. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** Sizes and settings actually used. */
  readonly settings: Record<string, unknown>;
  readonly rows: Row[];
  readonly notes: string[];
  /** Extra data (e.g. the recovery series for the chart). */
  readonly data?: unknown;
}

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const pgUrl = (): string => process.env.MEMENTO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/**
 * Options of every PostgreSQL store the benchmark runs: our best mode on the direct connection
 * it has (named prepared statements, docs/postgres.md); raw references try named statements too.
 */
export const POSTGRES_STORE_OPTIONS = { preparedStatements: true } as const;

// The drivers are Memento's own (the repository root's node_modules), never bench/node_modules'
// copies: bench/'s `pg` is the one the peers load, and Emmett's dumbo sets global type parsers on it.
const requireFromRoot = createRequire(join(root, 'package.json'));
/** The root's `pg`, the one Memento's dist/ uses. */
export const pg = requireFromRoot('pg') as typeof import('pg');
/** The root's better-sqlite3. */
export const Database = requireFromRoot('better-sqlite3') as typeof BetterSqlite3;
/** An open better-sqlite3 connection. */
export type RawSqlite = BetterSqlite3.Database;

/** The median; the mean of the two middle values for an even count. */
export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** The nearest-rank percentile `p` (0-100). */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
};

export const stats = (values: readonly number[]): Stats => ({
  min: Math.min(...values),
  median: median(values),
  max: Math.max(...values),
  n: values.length,
});

/** Which code is measured: dist/ when built (what users run), else the sources through tsx. */
export const codeFrom = (): 'dist' | 'src' => (existsSync(join(root, 'dist', 'index.js')) ? 'dist' : 'src');

/** Imports a module of the code under test (dist/ or src/) by its path below it, without extension. */
export async function importCode<T>(subpath: string): Promise<T> {
  const from = codeFrom();
  const file = join(root, from, `${subpath}.${from === 'dist' ? 'js' : 'ts'}`);
  return (await import(pathToFileURL(file).href)) as T;
}

export const loadMemento = () => importCode<MementoModule>('index');
export const loadSqlite = () => importCode<SqliteModule>('sqlite/index');
export const loadPostgres = () => importCode<PostgresModule>('postgres/index');
export const loadS3 = () => importCode<S3Module>('s3/index');
export const loadFs = () => importCode<FsModule>('fs/index');
export const loadSnapshotFrame = () => importCode<SnapshotFrameModule>('fs/snapshot-frame');
export const loadSnapshotSupport = () => importCode<SnapshotSupportModule>('spi/snapshot-support');
export const loadInspect = () => importCode<InspectModule>('inspect/index');
export const loadInspector = () => importCode<InspectorModule>('inspector/index');

/** Times `work`, in milliseconds. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export const rate = (events: number, ms: number): number => events / (ms / 1000);

/** Throws the first error of a journal write's results. */
export function check(results: readonly (Error | undefined)[]): void {
  const failed = results.find((result) => result !== undefined);
  if (failed) throw failed;
}

/** Park-Miller generator: the same orders in every run, so runs stay comparable. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** A Fisher-Yates shuffle of a copy of `items`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let index = out.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

/**
 * A contender of {@link interleave}: does its work once for round `round` (negative in
 * warm-up rounds). It returns the milliseconds of its timed section when it has setup that
 * must not count (a fresh file, a new connection), or nothing to be timed whole.
 */
export type Contender = (round: number) => Promise<number | undefined | unknown>;

/** Options of {@link interleave}. */
export interface InterleaveOptions {
  readonly rounds: number;
  /** Untimed rounds first, every contender each. @default 1 */
  readonly warmup?: number;
  /** Seed of the per-round orders. @default 20261202 */
  readonly seed?: number;
}

/**
 * Runs every contender once per round, after untimed warm-up rounds that run each of them
 * too, in a new random (seeded) order every round, so that no contender always follows the
 * same neighbour (a 10 MB write slows whatever reads next; a fsync'd write slows the next
 * disk access) and none always runs on the warmest cache. Returns each contender's samples
 * in milliseconds, one per timed round.
 */
export async function interleave<K extends string>(
  contenders: Record<K, Contender>,
  options: InterleaveOptions,
): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as unknown as Record<K, number[]>;
  const random = seededRandom(options.seed ?? 20261202);
  const warmup = options.warmup ?? 1;
  for (let round = -warmup; round < options.rounds; round++) {
    for (const name of shuffled(names, random)) {
      const started = performance.now();
      const own = await contenders[name](round);
      const elapsed = typeof own === 'number' ? own : performance.now() - started;
      if (round >= 0) samples[name].push(elapsed);
    }
  }
  return samples;
}

/** The median over rounds of a / b measured in the same round (both saw the same moment of the machine). */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, round) => value / (b[round] as number)));
}

/**
 * The best of several raw strategies by median: the highest for throughputs
 * (`higherIsBetter`), else the lowest. Returns every strategy, best first.
 */
export function rankStrategies(samples: Record<string, readonly number[]>, higherIsBetter: boolean): Strategy[] {
  const ranked = Object.entries(samples).map(([name, values]) => ({ name, stats: stats(values) }));
  return ranked.sort((a, b) => (higherIsBetter ? b.stats.median - a.stats.median : a.stats.median - b.stats.median));
}

export const formatValue = (value: number, unit: string): string => {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'events/s' || unit === 'commands/s') return Math.round(value).toLocaleString('en-US');
  if (unit === 'MB') return value.toFixed(1);
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

/** Settings shared by all scenarios, from the command line. */
export interface BenchSettings {
  readonly quick: boolean;
  readonly rounds: number;
  readonly appendEvents: number;
  readonly appendEntities: number;
  readonly runtimeCommands: number;
  readonly replayEvents: number;
  readonly recoverySizes: readonly number[];
  readonly snapshotRounds: number;
  /** Snapshot state sizes in bytes, of the scenario's 1 KB, 1 MB and 10 MB. */
  readonly snapshotSizes: readonly number[];
  readonly peerRounds: number;
  readonly peerEvents: number;
  readonly peerSqliteEvents: number;
  readonly peerLoadEvents: number;
  readonly memoryEvents: readonly number[];
  readonly latencyWrites: number;
  /** Length of the history the inspector scenario rebuilds states of. */
  readonly inspectorEvents: number;
  /** Random points the inspector scenario asks for, each directly and through HTTP. */
  readonly inspectorPoints: number;
  /** Events of the DynamoDB scenario's append and replay (on dynalite). */
  readonly dynamodbEvents: number;
  readonly workload: WorkloadSettings;
  readonly log: (line: string) => void;
}

/** The realistic workload's knobs. */
export interface WorkloadSettings {
  readonly entities: number;
  /** Commands per second offered (open loop). */
  readonly rate: number;
  readonly seconds: number;
  readonly zipf: number;
  readonly writeShare: number;
  /** Seconds into the run at which the crash run is killed. */
  readonly killAfterSeconds: number;
  /** Run the peers too. */
  readonly peers: boolean;
}

/** The event every scenario appends. */
export const benchEvent = (sequenceNr: number) => ({
  type: 'incremented',
  quantity: sequenceNr % 5,
  note: 'benchmark event of typical size',
});

/** Event rows of one persistence id, `count` of them from `from`. */
export function historyBatch(persistenceId: string, from: number, count: number, timestamp: number) {
  return Array.from({ length: count }, (_, k) => ({
    persistenceId,
    sequenceNr: from + k,
    timestamp,
    event: benchEvent(from + k),
  }));
}
