/**
 * Scenario 7: a realistic workload in the style of public event-store benchmarks. For each
 * backend (Memento on SQLite and PostgreSQL, and each peer that loads), a child process
 * (workload-child.ts) offers commands at a fixed rate (open loop: latency counts from the
 * moment a command was due, so queueing shows) to 10,000 entities picked with Zipf-skewed
 * popularity, 80% writes and 20% reads of state. Then a second child runs the same
 * workload and is killed with SIGKILL mid-run, and a third recovers every entity: its time,
 * and a check that no write acknowledged before the kill was lost.
 * @module
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchSettings, loadPostgres, pg, pgUrl, type Row, root, type ScenarioResult } from './common.js';
import type { WorkloadConfig, WorkloadRunResult } from './workload-child.js';

/** One backend's figures. */
export interface WorkloadRun {
  readonly backend: string;
  readonly store: 'SQLite' | 'PostgreSQL';
  readonly result?: WorkloadRunResult;
  readonly crash?: {
    readonly killedAfterMs: number;
    /** Writes the killed process had acknowledged by its last progress line before the kill. */
    readonly ackedBeforeKill: number;
    readonly recoveredEntities: number;
    /** Sum of every recovered entity's value: the events the store holds. */
    readonly recoveredEvents: number;
    readonly recoveryMs: number;
    /** CPU time of the recovering process (user + system), without the database server's. */
    readonly recoveryCpuMs?: number;
  };
  readonly error?: string;
}

/** What the workload scenario keeps in latest.json and draws. */
export interface WorkloadData {
  readonly rate: number;
  readonly runs: readonly WorkloadRun[];
}

const MEMENTO_SNAPSHOT_EVERY = 1000;

/**
 * Entities recovered at a time after the crash, the same for every backend: how an
 * application brings a known set of ids back, a bounded number in flight (10,000 at once
 * only queue in the pool, where a store's call timeout counts the wait).
 */
const RECOVERY_CONCURRENCY = 100;

/** Runs one child; resolves with its JSON lines. `killAfterMs` kills it with SIGKILL that long after it started. */
function child(
  config: WorkloadConfig,
  killAfterMs?: number,
): Promise<{ lines: Record<string, unknown>[]; killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const script = join(root, 'bench', 'scenarios', 'workload-child.ts');
    const proc = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, WORKLOAD_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let at = buffer.indexOf('\n');
      while (at !== -1) {
        const line = buffer.slice(0, at).trim();
        buffer = buffer.slice(at + 1);
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
        at = buffer.indexOf('\n');
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let timer: NodeJS.Timeout | undefined;
    if (killAfterMs !== undefined) {
      // Measured from the first progress line: the workload is running, not the process starting.
      const waitForStart = setInterval(() => {
        if (lines.some((line) => 'progress' in line)) {
          clearInterval(waitForStart);
          timer = setTimeout(() => {
            killed = proc.kill('SIGKILL');
          }, killAfterMs);
        }
      }, 5);
      proc.on('exit', () => clearInterval(waitForStart));
    }
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') {
        const reported = (lines.find((line) => 'error' in line) as { error: string } | undefined)?.error;
        const why = reported ?? stderr.trim().split('\n').slice(-3).join(' / ');
        reject(new Error(`workload child (${config.backend}, ${config.mode}) exited ${code ?? signal}: ${why}`));
      } else resolve({ lines, killed, stderr });
    });
  });
}

export async function runWorkloadScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const { log, workload } = settings;
  const postgres = await loadPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'memento-bench-workload-'));
  const pool = new pg.Pool({ connectionString: pgUrl(), max: 2 });
  const schema = `memento_bench_wl_${randomBytes(4).toString('hex')}`;
  const runs: WorkloadRun[] = [];
  const warmupSeconds = settings.quick ? 1 : 3;
  try {
    await postgres.migrate({ pool, schema });
    const all: { backend: string; store: 'SQLite' | 'PostgreSQL' }[] = [
      { backend: 'memento-sqlite', store: 'SQLite' },
      { backend: 'memento-postgres', store: 'PostgreSQL' },
      { backend: 'emmett-postgresql', store: 'PostgreSQL' },
      { backend: 'castore-postgres', store: 'PostgreSQL' },
      { backend: 'emmett-sqlite', store: 'SQLite' },
    ];
    const backends = all.filter(({ backend }) => workload.peers || backend.startsWith('memento-'));
    for (const { backend, store } of backends) {
      const base: Omit<WorkloadConfig, 'mode' | 'prefix' | 'sqliteFile'> = {
        backend,
        sqliteDir: join(dir, backend),
        pgUrl: pgUrl(),
        pgSchema: schema,
        entities: workload.entities,
        rate: workload.rate,
        seconds: workload.seconds,
        warmupSeconds,
        zipf: workload.zipf,
        writeShare: workload.writeShare,
        seed: 20261203,
        snapshotEvery: MEMENTO_SNAPSHOT_EVERY,
        recoveryConcurrency: RECOVERY_CONCURRENCY,
        drainSeconds: settings.quick ? 10 : 30,
      };
      try {
        log(`workload: ${backend}, ${workload.rate} commands/s for ${workload.seconds} s`);
        const run = await child({ ...base, mode: 'run', prefix: 'run', sqliteFile: join(dir, `${backend}-run.db`) });
        const result = (run.lines.find((line) => 'result' in line) as { result: WorkloadRunResult } | undefined)?.result;
        if (!result) throw new Error(`no result from the ${backend} child: ${run.stderr.slice(-500)}`);
        log(
          `workload: ${backend} achieved ${result.achievedPerSecond.toFixed(0)}/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, p99.9 ${result.latencyMs.p999.toFixed(2)} ms`,
        );
        const killAfterMs = workload.killAfterSeconds * 1000;
        const crashConfig = {
          ...base,
          prefix: 'crash',
          sqliteFile: join(dir, `${backend}-crash.db`),
          seconds: workload.killAfterSeconds * 4,
        };
        const crashed = await child({ ...crashConfig, mode: 'crash' }, killAfterMs);
        if (!crashed.killed) throw new Error(`the ${backend} crash child ended before it was killed`);
        const progress = crashed.lines.filter((line) => 'progress' in line).pop() as { progress: { acked: number } } | undefined;
        const recovery = await child({ ...crashConfig, mode: 'recover' });
        const recovered = (
          recovery.lines.find((line) => 'recovered' in line) as {
            recovered: { entities: number; events: number; ms: number; cpuMs: number };
          }
        )?.recovered;
        if (!recovered) throw new Error(`no recovery result from the ${backend} child: ${recovery.stderr.slice(-500)}`);
        log(
          `workload: ${backend} killed after ${workload.killAfterSeconds} s, recovered ${recovered.entities} entities (${recovered.events} events) in ${recovered.ms.toFixed(0)} ms, ${recovered.cpuMs.toFixed(0)} ms CPU in the process`,
        );
        runs.push({
          backend,
          store,
          result,
          crash: {
            killedAfterMs: killAfterMs,
            ackedBeforeKill: progress?.progress.acked ?? 0,
            recoveredEntities: recovered.entities,
            recoveredEvents: recovered.events,
            recoveryMs: recovered.ms,
            recoveryCpuMs: recovered.cpuMs,
          },
        });
      } catch (error) {
        const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        log(`workload: ${backend} failed: ${message}`);
        runs.push({ backend, store, error: message });
      }
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }

  const rows: Row[] = [];
  for (const store of ['SQLite', 'PostgreSQL'] as const) {
    const ours = runs.find((run) => run.backend === `memento-${store === 'SQLite' ? 'sqlite' : 'postgres'}`);
    if (!ours?.result) continue;
    rows.push({
      name: `Memento ${store}: achieved throughput at ${workload.rate} commands/s offered`,
      ours: ours.result.achievedPerSecond,
      reference: workload.rate,
      referenceName: 'the offered rate',
      unit: 'commands/s',
      ratio: ours.result.achievedPerSecond / workload.rate,
      ratioNote: 'achieved / offered',
    });
    for (const peer of runs.filter((run) => run.store === store && !run.backend.startsWith('memento-') && run.result)) {
      const theirs = peer.result as WorkloadRunResult;
      for (const [label, key] of [
        ['p50', 'p50'],
        ['p99', 'p99'],
        ['p99.9', 'p999'],
      ] as const) {
        rows.push({
          name: `${store} workload ${label} latency: Memento vs ${peer.backend}`,
          ours: ours.result.latencyMs[key],
          reference: theirs.latencyMs[key],
          referenceName: `${peer.backend} (read + fold + append with the expected version per command)`,
          unit: 'ms',
          ratio: theirs.latencyMs[key] / ours.result.latencyMs[key],
          ratioNote: 'peer / ours (> 1: ours faster)',
        });
      }
      if (ours.crash && peer.crash) {
        rows.push({
          name: `${store} recovery of every entity after SIGKILL: Memento vs ${peer.backend}`,
          ours: ours.crash.recoveryMs,
          reference: peer.crash.recoveryMs,
          referenceName: `${peer.backend} loading every stream`,
          unit: 'ms',
          ratio: peer.crash.recoveryMs / ours.crash.recoveryMs,
          ratioNote: 'peer / ours (> 1: ours faster)',
          ...(ours.crash.recoveryCpuMs !== undefined && peer.crash.recoveryCpuMs !== undefined
            ? {
                extra: `each recovers what it stored before its kill: ${ours.crash.recoveredEvents.toLocaleString('en-US')} events ours, ${peer.crash.recoveredEvents.toLocaleString('en-US')} ${peer.backend}; CPU time of the recovering process (without the database server's): ${ours.crash.recoveryCpuMs.toFixed(0)} ms ours, ${peer.crash.recoveryCpuMs.toFixed(0)} ms ${peer.backend}`,
              }
            : {}),
        });
      }
    }
  }
  const failures = runs.filter((run) => run.error).map((run) => `${run.backend} failed: ${run.error}`);
  return {
    id: 'workload',
    title: 'Realistic workload (open loop, Zipf-skewed entities, 80% writes)',
    settings: { ...workload, warmupSeconds, mementoSnapshotEvery: MEMENTO_SNAPSHOT_EVERY },
    rows,
    notes: [
      `${workload.entities.toLocaleString('en-US')} entities; entity k (k = 1, 2, ...) is picked with weight 1/k^${workload.zipf} (Zipf); ${Math.round(workload.writeShare * 100)}% writes (one event each), the rest reads of state; commands offered at ${workload.rate}/s for ${warmupSeconds} s of warm-up (not counted) and ${workload.seconds} s measured, each command's latency measured from the moment it was due (open loop: a backend that falls behind shows it as queueing, not as a lower offered rate). Latency percentiles are nearest-rank over every measured command; achieved throughput is the measured commands completed per second until the last one completed.`,
      `Memento: createPersistence + defineEntity (the counter entity), snapshot every ${MEMENTO_SNAPSHOT_EVERY} events, SqliteJournal + SqliteSnapshotStore in one file (synchronous=FULL), or PostgresJournal + PostgresSnapshotStore on a pool of 10; entities stay in memory once recovered. Peers, as their users run commands: read and fold the stream, then append with the version read as the expected version, commands to one stream one at a time in the process (so no conflicts); reads fold the stream. Each peer with its default settings (bench/peers/README.md).`,
      `Crash: the same workload in a new child, killed with SIGKILL ${workload.killAfterSeconds} s after it started offering commands; a new process then recovers every one of the ${workload.entities.toLocaleString('en-US')} entities, ${RECOVERY_CONCURRENCY} at a time for every backend, and checks that the events recovered are at least the writes the killed process had acknowledged (its last progress line, at most 50 ms old).`,
      "What each recovery does per entity. Memento: the youngest snapshot, the highest sequence number, then one replay query for the events after the snapshot (only when there are any); on PostgreSQL the snapshot and highest-sequence-number reads of entities recovering at the same time share statements (up to 100 and 500 ids each), on SQLite each is a local read. emmett-postgresql: aggregateStream, one SELECT of the stream per entity. castore-postgres: getAggregate, one SELECT of the aggregate's events per entity. emmett-sqlite: readStream on one sqlite3 connection kept open for the run, one at a time, then the aggregateStream fold (bench/peers/README.md says why one connection). Peers keep no snapshots and no highest-sequence-number record, so they check neither.",
      ...failures,
    ],
    data: { rate: workload.rate, runs } satisfies WorkloadData,
  };
}
