/**
 * Child process of the realistic workload (bench/scenarios/workload.ts). Configured by the
 * JSON in WORKLOAD_CONFIG; prints JSON lines on stdout:
 *  - mode `run`: offers commands at a fixed rate (open loop: each command's latency is
 *    measured from the moment it was due, so queueing counts) to entities picked with
 *    Zipf-skewed popularity, 80% writes and 20% reads of state; prints `{ result }`;
 *  - mode `crash`: the same, printing `{ progress: { acked } }` every 50 ms, until the
 *    parent kills it with SIGKILL;
 *  - mode `recover`: recovers every entity, `recoveryConcurrency` at a time, and prints `{ recovered }`.
 * @module
 */
import { join } from 'node:path';
import type { Persistence } from '../../src/index.js';
import type { PeerEventStore } from '../peers/peer.js';
import { loadMemento, loadPostgres, loadSqlite, POSTGRES_STORE_OPTIONS, percentile, pg, root, seededRandom } from './common.js';
import { counterEntity } from './entity.js';

/** What the parent passes. */
export interface WorkloadConfig {
  readonly mode: 'run' | 'crash' | 'recover';
  /** 'memento-sqlite', 'memento-postgres', or a peer's name prefix ('emmett-postgresql', 'castore-postgres', 'emmett-sqlite'). */
  readonly backend: string;
  readonly sqliteFile: string;
  readonly sqliteDir: string;
  readonly pgUrl: string;
  readonly pgSchema: string;
  /** Prefix of this run's entity ids, so runs never share an entity. */
  readonly prefix: string;
  readonly entities: number;
  readonly rate: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly zipf: number;
  readonly writeShare: number;
  readonly seed: number;
  readonly snapshotEvery: number;
  /** Entities recovered at a time in mode `recover`, the same for every backend. */
  readonly recoveryConcurrency: number;
  /** Longest wait for outstanding commands after the last one was offered. */
  readonly drainSeconds: number;
}

/** What mode `run` prints. */
export interface WorkloadRunResult {
  readonly offered: number;
  readonly completed: number;
  readonly failed: number;
  /** Commands still outstanding when the drain limit ran out. */
  readonly unfinished: number;
  /** Completed measured commands per second, from the first measured command's due time to the last completion. */
  readonly achievedPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly p999: number; readonly max: number };
  /** The latency distribution for the chart: [percentile, ms]. */
  readonly curve: readonly (readonly [number, number])[];
  readonly firstError?: string;
}

/** One backend as the workload drives it: a write adds 1 to the entity, a read returns its value. */
interface Backend {
  write(entity: string): Promise<unknown>;
  read(entity: string): Promise<unknown>;
  /** Recovers every entity; returns the sum of their values (= events stored). */
  recoverAll(entities: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

const config = JSON.parse(process.env.WORKLOAD_CONFIG ?? '{}') as WorkloadConfig;

/** `work` for each item, at most `limit` at a time; results in order. */
async function bounded<T>(items: readonly string[], limit: number, work: (item: string) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
const emit = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function mementoBackend(): Promise<Backend> {
  const memento = await loadMemento();
  const definition = counterEntity(memento, { snapshotEvery: config.snapshotEvery });
  let pool: InstanceType<typeof pg.Pool> | undefined;
  const open = async (): Promise<Persistence> => {
    if (config.backend === 'memento-sqlite') {
      const sqlite = await loadSqlite();
      const journal = new sqlite.SqliteJournal(config.sqliteFile);
      const snapshotStore = new sqlite.SqliteSnapshotStore(config.sqliteFile);
      await journal.ready();
      await snapshotStore.ready();
      return memento.createPersistence({ journal, snapshotStore });
    }
    const postgres = await loadPostgres();
    pool ??= new pg.Pool({ connectionString: config.pgUrl, max: 10 });
    return memento.createPersistence({
      journal: new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool, schema: config.pgSchema }),
      snapshotStore: new postgres.PostgresSnapshotStore({ ...POSTGRES_STORE_OPTIONS, pool, schema: config.pgSchema }),
    });
  };
  const persistence = await open();
  return {
    write: (entity) => persistence.entity(definition, entity).ask({ type: 'add', quantity: 1 }),
    read: (entity) => persistence.entity(definition, entity).ask({ type: 'get' }),
    async recoverAll(entities) {
      const values = await bounded(entities, config.recoveryConcurrency, (entity) =>
        persistence.entity(definition, entity).ask<number>({ type: 'get' }),
      );
      return values.reduce((sum, value) => sum + value, 0);
    },
    async close() {
      await persistence.close();
      await pool?.end();
    },
  };
}

/**
 * A peer as its users run commands: read the stream and fold it, then append with the
 * version read as the expected version. Commands to one stream run one at a time (as
 * Memento's mailbox does), so a conflict never happens inside this process.
 */
async function peerBackend(): Promise<Backend> {
  const { createPeers } = (await import(join(root, 'bench', 'peers', 'index.ts'))) as {
    createPeers(
      options: { pgUrl: string; sqliteDir: string },
      onUnavailable: (peer: { label: string; reason: string; hint: string }) => void,
    ): Promise<PeerEventStore[]>;
  };
  const unavailable = new Map<string, string>();
  const peers = await createPeers({ pgUrl: config.pgUrl, sqliteDir: config.sqliteDir }, ({ label, reason, hint }) =>
    unavailable.set(label, `${reason}; install with: ${hint}`),
  );
  const peer = peers.find((p) => p.name.startsWith(config.backend));
  if (!peer) throw new Error(`peer ${config.backend} unavailable: ${unavailable.get(config.backend) ?? 'no such peer'}`);
  await peer.setup();
  const tails = new Map<string, Promise<unknown>>();
  const serially = <T>(entity: string, work: () => Promise<T>): Promise<T> => {
    const next = (tails.get(entity) ?? Promise.resolve()).then(work, work);
    tails.set(
      entity,
      next.catch(() => {}),
    );
    return next;
  };
  return {
    write: (entity) =>
      serially(entity, async () => {
        const version = await peer.load(entity);
        await peer.append(entity, [{ type: 'incremented', data: { quantity: 1, note: 'benchmark event of typical size' } }], version);
      }),
    read: (entity) => serially(entity, () => peer.load(entity)),
    async recoverAll(entities) {
      const counts = await bounded(entities, config.recoveryConcurrency, (entity) => peer.load(entity));
      return counts.reduce((sum, count) => sum + count, 0);
    },
    async close() {
      // The parent drops the peer's database after the recovery (teardown) — only when this is the last use.
      if (config.mode !== 'crash') await peer.teardown();
    },
  };
}

/** Entity ranks by Zipf popularity: the k-th most popular has weight 1 / k^s. */
function zipfSampler(entities: number, exponent: number, random: () => number): () => number {
  const cdf = new Float64Array(entities);
  let total = 0;
  for (let k = 0; k < entities; k++) {
    total += 1 / (k + 1) ** exponent;
    cdf[k] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = entities - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cdf[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

async function runWorkload(backend: Backend): Promise<WorkloadRunResult> {
  const random = seededRandom(config.seed);
  const pick = zipfSampler(config.entities, config.zipf, random);
  const warmup = Math.round(config.warmupSeconds * config.rate);
  const total = warmup + Math.round(config.seconds * config.rate);
  const commands = Array.from({ length: total }, () => ({ entity: `${config.prefix}-${pick()}`, write: random() < config.writeShare }));
  const latencies = new Float64Array(total).fill(Number.NaN);
  const interval = 1000 / config.rate;
  const start = performance.now() + 20;
  let next = 0;
  let done = 0;
  let failed = 0;
  let acked = 0;
  let lastCompletion = start;
  let firstError: string | undefined;
  let offeredAll: () => void = () => {};
  const allOffered = new Promise<void>((resolve) => {
    offeredAll = resolve;
  });
  let settledAll: () => void = () => {};
  const allSettled = new Promise<void>((resolve) => {
    settledAll = resolve;
  });
  const issue = (index: number) => {
    const command = commands[index] as { entity: string; write: boolean };
    const due = start + index * interval;
    (command.write ? backend.write(command.entity) : backend.read(command.entity)).then(
      () => {
        const now = performance.now();
        latencies[index] = now - due;
        lastCompletion = now;
        if (command.write) acked++;
        if (++done === total) settledAll();
      },
      (error: unknown) => {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
        if (++done === total) settledAll();
      },
    );
  };
  const tick = () => {
    const now = performance.now();
    while (next < total && start + next * interval <= now) issue(next++);
    if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    else offeredAll();
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
  const progress = config.mode === 'crash' ? setInterval(() => emit({ progress: { acked, offered: next } }), 50) : undefined;
  await allOffered;
  await Promise.race([allSettled, new Promise((resolve) => setTimeout(resolve, config.drainSeconds * 1000).unref())]);
  if (progress) clearInterval(progress);
  const measured = Array.from(latencies.subarray(warmup)).filter((value) => !Number.isNaN(value));
  const measuredStart = start + warmup * interval;
  const curve = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99].map((p) => [p, percentile(measured, p)] as const);
  return {
    offered: total - warmup,
    completed: measured.length,
    failed,
    unfinished: total - done,
    achievedPerSecond: measured.length / ((lastCompletion - measuredStart) / 1000),
    latencyMs: {
      p50: percentile(measured, 50),
      p90: percentile(measured, 90),
      p99: percentile(measured, 99),
      p999: percentile(measured, 99.9),
      max: Math.max(...measured),
    },
    curve,
    ...(firstError ? { firstError } : {}),
  };
}

async function main(): Promise<void> {
  const backend = config.backend.startsWith('memento-') ? await mementoBackend() : await peerBackend();
  if (config.mode === 'recover') {
    const entities = Array.from({ length: config.entities }, (_, k) => `${config.prefix}-${k}`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const events = await backend.recoverAll(entities);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    // This process's CPU time (the database server's is not in it): load on the machine changes it far less than the time.
    const cpuMs = (used.user + used.system) / 1000;
    await backend.close();
    emit({ recovered: { entities: entities.length, events, ms, cpuMs } });
  } else {
    const result = await runWorkload(backend);
    // An unfinished command may still hold the store: close only when everything settled.
    if (result.unfinished === 0) await backend.close();
    emit({ result });
    process.exit(0);
  }
}

// The parent reports this line: a stack trace's first line is only the file it came from.
await main().catch((error: unknown) => {
  emit({ error: error instanceof Error ? error.message : String(error) });
  console.error(error);
  process.exit(1);
});
