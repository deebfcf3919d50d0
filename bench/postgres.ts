/**
 * PostgreSQL journal benchmark (`npx tsx bench/postgres.ts`), median of 5 rounds:
 *  - batched append of 100k events from 100 concurrent entities (writes of 10 events)
 *    through PostgresJournal, against raw `pg` multi-row INSERTs of the same rows (same
 *    envelope bytes) into the same table, 1000 rows per statement (ratio);
 *  - single-entity sequential persist latency, p50 and p99;
 *  - replay throughput of a 100k-event history.
 * Works in a schema of its own and drops it. `runPostgresBench()` is exported for bench/run.ts.
 * `MEMENTO_BENCH_FROM=dist` measures the compiled `dist/` (run `npm run build` first) instead
 * of the sources through tsx, whose transform slows the decoding hot path about twofold.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { AtomicWrite, PersistentRepr } from '../src/core/persistent-repr.js';

type PostgresModule = typeof import('../src/postgres/index.js');
type SerializationModule = typeof import('../src/serialization/serialization.js');
type JournalSupportModule = typeof import('../src/spi/journal-support.js');

/** The code under test: the TypeScript sources (through tsx) or the compiled `dist/` users run. */
async function load(from: 'src' | 'dist') {
  const base = from === 'dist' ? '../dist' : '../src';
  const ext = from === 'dist' ? 'js' : 'ts';
  return {
    postgres: (await import(`${base}/postgres/index.${ext}`)) as PostgresModule,
    serialization: (await import(`${base}/serialization/serialization.${ext}`)) as SerializationModule,
    support: (await import(`${base}/spi/journal-support.${ext}`)) as JournalSupportModule,
  };
}

/** Options of {@link runPostgresBench}. */
export interface PostgresBenchOptions {
  /** Server URL. @default MEMENTO_PG_URL or postgres://postgres@127.0.0.1:5432/test */
  readonly url?: string;
  /** Rounds per measure; the median is reported. @default 5 */
  readonly rounds?: number;
  /** Events of the append and replay measures. @default 100000 */
  readonly events?: number;
  /** Concurrent entities of the append measure. @default 100 */
  readonly entities?: number;
  /** Events per AtomicWrite in the append measure. @default 10 */
  readonly eventsPerWrite?: number;
  /** Sequential single-event writes of the latency measure. @default 1000 */
  readonly latencyWrites?: number;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Measure the TypeScript sources (run through tsx, whose transform slows hot paths) or
   * the compiled `dist/` (after `npm run build`), which is what users run.
   * @default MEMENTO_BENCH_FROM=dist selects dist, else 'src'
   */
  readonly from?: 'src' | 'dist';
}

/** Medians of {@link runPostgresBench}. */
export interface PostgresBenchResult {
  /** Which code was measured. */
  readonly from: 'src' | 'dist';
  readonly appendEventsPerSecond: number;
  readonly rawInsertEventsPerSecond: number;
  /** Journal throughput / raw throughput (target >= 0.8). */
  readonly appendRatio: number;
  readonly persistLatencyP50Ms: number;
  readonly persistLatencyP99Ms: number;
  /** Target >= 200000. */
  readonly replayEventsPerSecond: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
};

const event = (persistenceId: string, sequenceNr: number): PersistentRepr => ({
  persistenceId,
  sequenceNr,
  timestamp: Date.now(),
  event: { type: 'item-added', sku: `sku-${sequenceNr % 97}`, quantity: sequenceNr % 5, note: 'benchmark event of typical size' },
});

/** Runs the benchmark and returns medians. */
export async function runPostgresBench(options: PostgresBenchOptions = {}): Promise<PostgresBenchResult> {
  const url = options.url ?? process.env.MEMENTO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const rounds = options.rounds ?? 5;
  const total = options.events ?? 100_000;
  const entities = options.entities ?? 100;
  const perWrite = options.eventsPerWrite ?? 10;
  const log = options.log ?? ((line: string) => console.log(line));
  const from = options.from ?? (process.env.MEMENTO_BENCH_FROM === 'dist' ? 'dist' : 'src');
  const { postgres, serialization: serializationModule, support } = await load(from);
  const { migrate, PostgresJournal } = postgres;
  const encodeEvent = support.encodeEvent;
  log(`measuring ${from === 'dist' ? 'the compiled dist/' : 'the TypeScript sources through tsx'}`);
  const schema = `memento_bench_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const serialization = new serializationModule.Serialization();
  try {
    await migrate({ pool, schema });
    const journal = new PostgresJournal({ pool, schema });
    const append: number[] = [];
    const raw: number[] = [];
    const writesPerEntity = Math.ceil(total / entities / perWrite);
    for (let round = 0; round < rounds; round++) {
      // Through the journal: each entity persists its writes one after another, all entities at once.
      const ids = Array.from({ length: entities }, (_, i) => `append-${round}-${i}`);
      let started = performance.now();
      await Promise.all(
        ids.map(async (pid) => {
          for (let w = 0; w < writesPerEntity; w++) {
            const events = Array.from({ length: perWrite }, (_, k) => event(pid, w * perWrite + k + 1));
            const [result] = await journal.write([{ persistenceId: pid, events }]);
            if (result) throw result;
          }
        }),
      );
      append.push((entities * writesPerEntity * perWrite) / ((performance.now() - started) / 1000));

      // Raw: the same rows (same envelope bytes, produced inside the timed section as the
      // journal must) as one multi-row INSERT per batch of the same size, on one connection.
      const rawIds = ids.map((pid) => `raw-${pid}`);
      const batches: AtomicWrite[][] = [];
      for (let w = 0; w < writesPerEntity; w++) {
        batches.push(
          rawIds.map((pid) => ({
            persistenceId: pid,
            events: Array.from({ length: perWrite }, (_, k) => event(pid, w * perWrite + k + 1)),
          })),
        );
      }
      started = performance.now();
      for (const batch of batches) {
        const rows = batch.flatMap((write) => write.events.map((e) => encodeEvent(e, serialization)));
        const values: unknown[] = [];
        const tuples = rows.map((row) => {
          const at = values.length;
          values.push(row.persistenceId, row.sequenceNr, row.timestamp, row.payload, randomUUID());
          return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5})`;
        });
        await pool.query(
          `INSERT INTO "${schema}".memento_journal (persistence_id, sequence_nr, timestamp_ms, payload, write_id) VALUES ${tuples.join(',')}`,
          values,
        );
      }
      raw.push((rawIds.length * writesPerEntity * perWrite) / ((performance.now() - started) / 1000));
      log(`round ${round + 1}: journal ${Math.round(append[round] as number)} events/s, raw ${Math.round(raw[round] as number)} events/s`);
    }

    const latencies: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const pid = `latency-${round}`;
      const samples: number[] = [];
      for (let nr = 1; nr <= (options.latencyWrites ?? 1000); nr++) {
        const started = performance.now();
        const [result] = await journal.write([{ persistenceId: pid, events: [event(pid, nr)] }]);
        samples.push(performance.now() - started);
        if (result) throw result;
      }
      p50s.push(percentile(samples, 50));
      p99s.push(percentile(samples, 99));
      latencies.push(...samples);
      log(`round ${round + 1}: persist p50 ${percentile(samples, 50).toFixed(3)} ms, p99 ${percentile(samples, 99).toFixed(3)} ms`);
    }

    const history = 'replay-history';
    for (let start = 1; start <= total; start += 1000) {
      const events = Array.from({ length: Math.min(1000, total - start + 1) }, (_, k) => event(history, start + k));
      const [result] = await journal.write([{ persistenceId: history, events }]);
      if (result) throw result;
    }
    const replay: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      let count = 0;
      for await (const repr of journal.replay(history, 1, Number.POSITIVE_INFINITY)) if (repr.sequenceNr > 0) count++;
      if (count !== total) throw new Error(`replayed ${count} of ${total} events`);
      replay.push(count / ((performance.now() - started) / 1000));
      log(`round ${round + 1}: replay ${Math.round(replay[round] as number)} events/s`);
    }
    await journal.close();

    const result: PostgresBenchResult = {
      from,
      appendEventsPerSecond: Math.round(median(append)),
      rawInsertEventsPerSecond: Math.round(median(raw)),
      appendRatio: Number((median(append) / median(raw)).toFixed(2)),
      persistLatencyP50Ms: Number(median(p50s).toFixed(3)),
      persistLatencyP99Ms: Number(median(p99s).toFixed(3)),
      replayEventsPerSecond: Math.round(median(replay)),
    };
    return result;
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runPostgresBench();
  console.log(JSON.stringify(result, null, 2));
}
