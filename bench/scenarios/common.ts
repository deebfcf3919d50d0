/**
 * Shared helpers of the scenarios bench/run.ts runs: medians, percentiles, the code under
 * test (the built dist/ when present, as users run it) and the result rows every scenario returns.
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type MementoModule = typeof import('../../src/index.js');
export type SqliteModule = typeof import('../../src/sqlite/index.js');
export type PostgresModule = typeof import('../../src/postgres/index.js');
export type SnapshotSupportModule = typeof import('../../src/spi/snapshot-support.js');

/** One line of a scenario table: our figure against a reference measured in the same run. */
export interface Row {
  readonly name: string;
  /** Our figure (unit in `unit`). */
  readonly ours: number;
  /** The reference's figure, same unit. */
  readonly reference: number;
  /** What the reference is. */
  readonly referenceName: string;
  readonly unit: string;
  /** Ratio where > 1 means ours is better (throughput ours/ref, time ref/ours), unless `ratioNote` says otherwise. */
  readonly ratio: number;
  /** How to read the ratio, e.g. 'ours/raw throughput'. */
  readonly ratioNote: string;
  /** A further comparison, shown after the ratio. */
  readonly extra?: string;
  /** Target, if the issue sets one. */
  readonly target?: string;
  /** Whether the target is met. */
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

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
};

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
export const loadSnapshotSupport = () => importCode<SnapshotSupportModule>('spi/snapshot-support');

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

/** Settings shared by all scenarios, from the command line. */
export interface BenchSettings {
  readonly quick: boolean;
  readonly rounds: number;
  readonly appendEvents: number;
  readonly appendEntities: number;
  readonly replayEvents: number;
  readonly recoverySizes: readonly number[];
  readonly peerEvents: number;
  readonly peerSqliteEvents: number;
  readonly peerLoadEvents: number;
  readonly memoryEvents: readonly number[];
  readonly latencyWrites: number;
  /** Events of the DynamoDB scenario's append and replay (on dynalite). */
  readonly dynamodbEvents: number;
  readonly log: (line: string) => void;
}

/** Event rows of one persistence id, `count` of them from `from`. */
export function historyBatch(persistenceId: string, from: number, count: number, timestamp: number) {
  return Array.from({ length: count }, (_, k) => ({
    persistenceId,
    sequenceNr: from + k,
    timestamp,
    event: { type: 'incremented', quantity: (from + k) % 5, note: 'benchmark event of typical size' },
  }));
}
