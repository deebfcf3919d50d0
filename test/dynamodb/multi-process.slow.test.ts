/**
 * Four processes, started together, each append ten events to the same ten ids at full
 * speed against one dynalite, retrying on ConcurrencyError. Afterwards every id holds contiguous sequence
 * numbers from 1, without duplicates, every event a process saw acknowledged is stored as
 * written, and every loser was told the truth: it tried a taken position, and the expected
 * number it got is past it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DynamoDbJournal } from '../../src/dynamodb/index.js';
import { collect } from '../../src/tck/index.js';
import { useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('multiprocess');
const workerScript = fileURLToPath(new URL('./fixtures/append-worker.ts', import.meta.url));
const PER_ID = 5;
/**
 * Slow tier: four Node processes compile TypeScript as they start (several seconds each on
 * a shared machine) before some 300 contended round trips each; the default 30 s is for
 * the fast tier.
 */
const SLOW_TIER_TIMEOUT_MS = 120_000;

interface WorkerReport {
  worker: string;
  acked: [string, number, string][];
  conflicts: [string, number, number, number][];
}

/** A started worker: `ready` resolves once it can write, `report` with its JSON line at the end. */
function startWorker(name: string, ids: string[]): { child: ChildProcess; ready: Promise<void>; report: Promise<WorkerReport> } {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    env: {
      ...process.env,
      MEMENTO_DYNAMODB_ENDPOINT: dynamo.server.endpoint,
      MEMENTO_DYNAMODB_TABLE: dynamo.tableName,
      MEMENTO_WORKER: name,
      MEMENTO_PER_ID: String(PER_ID),
      MEMENTO_IDS: JSON.stringify(ids),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line) as WorkerReport);
      else reject(new Error(`worker ${name} exited with ${code}\n${stderr}`));
    });
  });
  // A worker that dies before it is ready must fail the test, not hang it.
  report.catch(() => markReady());
  return { child, ready, report };
}

describe('DynamoDbJournal across processes', () => {
  it(
    'keeps every id contiguous and every acknowledged event when 4 processes race on 10 ids',
    async () => {
      const ids = Array.from({ length: 10 }, (_, i) => `shared|${i}`);
      const workers = ['w1', 'w2', 'w3', 'w4'].map((name) => startWorker(name, ids));
      const spawned = performance.now();
      await Promise.all(workers.map((started) => started.ready));
      const raceStarted = performance.now();
      for (const started of workers) started.child.stdin?.write('go\n');
      const reports = await Promise.all(workers.map((started) => started.report));
      const raceMs = performance.now() - raceStarted;
      const startupMs = raceStarted - spawned;
      const journal = new DynamoDbJournal({ client: dynamo.client, tableName: dynamo.tableName });
      const acked = reports.flatMap((report) => report.acked);
      expect(acked.length).toBe(4 * ids.length * PER_ID);
      let total = 0;
      for (const pid of ids) {
        const stored = await collect(journal.replay(pid, 1, Number.POSITIVE_INFINITY));
        total += stored.length;
        expect(stored.map((r) => r.sequenceNr)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
        expect(await journal.highestSequenceNr(pid)).toBe(stored.length);
        const bySeq = new Map(stored.map((r) => [r.sequenceNr, (r.event as { tag: string }).tag]));
        for (const [ackedId, seq, tag] of acked.filter(([ackedId]) => ackedId === pid)) {
          expect(bySeq.get(seq), `${ackedId} #${seq}`).toBe(tag);
        }
      }
      // Nothing was stored that no process saw acknowledged, and no acknowledgement was a duplicate.
      expect(total).toBe(acked.length);
      expect(new Set(acked.map(([pid, seq]) => `${pid}#${seq}`)).size).toBe(acked.length);
      const conflicts = reports.flatMap((report) => report.conflicts);
      expect(conflicts.length).toBeGreaterThan(0);
      for (const [pid, attempted, expected, actual] of conflicts) {
        expect(actual, `${pid}: actual is the attempted first sequence number`).toBe(attempted);
        expect(expected, `${pid}: expected is past the taken position`).toBeGreaterThan(attempted);
      }
      await journal.close();
      console.log(
        `dynamodb multi-process: ${acked.length} events acknowledged by 4 processes in ${Math.round(raceMs)} ms (after ${Math.round(startupMs)} ms of start-up); conflicts: ${reports.map((r) => r.conflicts.length).join(', ')}`,
      );
    },
    SLOW_TIER_TIMEOUT_MS,
  );
});
