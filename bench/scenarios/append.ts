/**
 * Scenario 1: append. 100k events over 100 concurrent entities through SqliteJournal and
 * PostgresJournal against the raw drivers (bench/sqlite.ts, bench/postgres.ts), and one
 * entity persisting sequentially through the entity runtime (createPersistence +
 * defineEntity) against single-row inserts of the raw driver: latency p50/p99.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { SqliteDriver } from '../../src/sqlite/client.js';
import { runPostgresBench } from '../postgres.js';
import { runSqliteBench } from '../sqlite.js';
import {
  type BenchSettings,
  codeFrom,
  loadMemento,
  loadPostgres,
  loadSqlite,
  type MementoModule,
  median,
  percentile,
  pgUrl,
  type Row,
  type ScenarioResult,
} from './common.js';

type Counter = { value: number };
type Command = { type: 'add'; quantity: number } | { type: 'get' };
type Event = { type: 'incremented'; quantity: number; note: string };

/** The counter entity every runtime scenario uses. */
export function counterEntity(memento: MementoModule, options: { snapshotEvery?: number } = {}) {
  const { defineEntity, Effect } = memento;
  return defineEntity<Counter, Command, Event>({
    name: 'counter',
    emptyState: { value: 0 },
    commandHandler: (state, command) => {
      if (command.type === 'get') return Effect.reply(state.value);
      return Effect.persist<Event, Counter>({
        type: 'incremented',
        quantity: command.quantity,
        note: 'benchmark event of typical size',
      }).thenReply((s: Counter) => s.value);
    },
    eventHandler: (state, event) => ({ value: state.value + (event.quantity ?? 0) }),
    ...(options.snapshotEvery ? { retention: { snapshotEvery: options.snapshotEvery, keepNSnapshots: 2 } } : {}),
  });
}

async function runtimeLatency(
  memento: MementoModule,
  journal: import('../../src/index.js').Journal,
  snapshotStore: import('../../src/index.js').SnapshotStore,
  writes: number,
) {
  const persistence = memento.createPersistence({ journal, snapshotStore });
  const ref = persistence.entity(counterEntity(memento), `latency-${randomBytes(4).toString('hex')}`);
  await ref.ask({ type: 'get' });
  const samples: number[] = [];
  for (let index = 0; index < writes; index++) {
    const started = performance.now();
    await ref.ask({ type: 'add', quantity: 1 });
    samples.push(performance.now() - started);
  }
  await persistence.close();
  return samples;
}

export async function runAppendScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const { log, rounds } = settings;
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const postgres = await loadPostgres();
  const rows: Row[] = [];
  const notes: string[] = [];

  log(`append: sqlite, ${settings.appendEvents} events over ${settings.appendEntities} entities`);
  const s = await runSqliteBench({ events: settings.appendEvents, entities: settings.appendEntities, replayEvents: 1000, rounds });
  rows.push({
    name: `SQLite append ${settings.appendEvents} events, ${settings.appendEntities} entities (SqliteJournal, writes of 10)`,
    ours: s.appendBatched,
    reference: s.appendRaw,
    referenceName: 'raw better-sqlite3 prepared INSERTs, one transaction',
    unit: 'events/s',
    ratio: s.appendRatio,
    ratioNote: 'ours / raw',
    target: '>= 0.8x raw',
    met: s.appendRatio >= 0.8,
  });
  rows.push({
    name: 'SQLite append, each entity awaits each write',
    ours: s.appendInteractive,
    reference: s.appendRaw,
    referenceName: 'raw better-sqlite3 prepared INSERTs, one transaction',
    unit: 'events/s',
    ratio: s.interactiveRatio,
    ratioNote: 'ours / raw',
  });

  log('append: postgres');
  const p = await runPostgresBench({
    events: settings.appendEvents,
    entities: settings.appendEntities,
    rounds,
    latencyWrites: Math.min(200, settings.latencyWrites),
    from: codeFrom(),
    log: () => {},
  });
  rows.push({
    name: `PostgreSQL append ${settings.appendEvents} events, ${settings.appendEntities} entities (PostgresJournal, writes of 10)`,
    ours: p.appendEventsPerSecond,
    reference: p.rawInsertEventsPerSecond,
    referenceName: 'raw pg multi-row INSERTs of the same rows',
    unit: 'events/s',
    ratio: p.appendRatio,
    ratioNote: 'ours / raw',
    target: '>= 0.8x raw',
    met: p.appendRatio >= 0.8,
  });

  // One entity persisting sequentially through the runtime vs one-row inserts of the raw driver.
  const dir = mkdtempSync(join(tmpdir(), 'memento-bench-latency-'));
  const pool = new pg.Pool({ connectionString: pgUrl(), max: 4 });
  const schema = `memento_bench_lat_${randomBytes(4).toString('hex')}`;
  try {
    const writes = settings.latencyWrites;
    const sqliteOurs: number[] = [];
    const sqliteRaw: number[] = [];
    const pgOurs: number[] = [];
    const pgRaw: number[] = [];
    const Database = createRequire(import.meta.url)('better-sqlite3') as SqliteDriver;
    await postgres.migrate({ pool, schema });
    for (let round = 0; round < rounds; round++) {
      const file = join(dir, `latency-${round}.db`);
      const journal = new sqlite.SqliteJournal(file);
      const snapshots = new sqlite.SqliteSnapshotStore(file);
      sqliteOurs.push(...(await runtimeLatency(memento, journal, snapshots, writes)));
      const rawFile = join(dir, `raw-${round}.db`);
      const setup = new sqlite.SqliteJournal(rawFile);
      await setup.ready();
      await setup.close();
      const db = new Database(rawFile);
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL');
      const insert = db.prepare('INSERT INTO journal (persistence_id, sequence_nr, timestamp, payload) VALUES (?, ?, ?, ?)');
      for (let nr = 1; nr <= writes; nr++) {
        const started = performance.now();
        insert.run(
          'raw',
          nr,
          Date.now(),
          Buffer.from(JSON.stringify({ type: 'incremented', quantity: 1, note: 'benchmark event of typical size' })),
        );
        sqliteRaw.push(performance.now() - started);
      }
      db.close();

      const pgJournal = new postgres.PostgresJournal({ pool, schema });
      const pgSnapshots = new postgres.PostgresSnapshotStore({ pool, schema });
      pgOurs.push(...(await runtimeLatency(memento, pgJournal, pgSnapshots, writes)));
      for (let nr = 1; nr <= writes; nr++) {
        const started = performance.now();
        await pool.query(
          `INSERT INTO "${schema}".memento_journal (persistence_id, sequence_nr, timestamp_ms, payload, write_id) VALUES ($1, $2, $3, $4, gen_random_uuid())`,
          [
            `raw-${round}`,
            nr,
            Date.now(),
            Buffer.from(JSON.stringify({ type: 'incremented', quantity: 1, note: 'benchmark event of typical size' })),
          ],
        );
        pgRaw.push(performance.now() - started);
      }
    }
    for (const [store, ours, raw, rawName] of [
      ['SQLite', sqliteOurs, sqliteRaw, 'raw better-sqlite3 one-row INSERT (autocommit, synchronous=FULL)'],
      ['PostgreSQL', pgOurs, pgRaw, 'raw pg one-row INSERT (autocommit)'],
    ] as const) {
      for (const p of [50, 99]) {
        const o = percentile(ours, p);
        const r = percentile(raw, p);
        rows.push({
          name: `${store} one entity persisting sequentially via the runtime, p${p} latency (${writes} x ${rounds} writes)`,
          ours: o,
          reference: r,
          referenceName: rawName,
          unit: 'ms',
          ratio: o / r,
          ratioNote: 'ours / raw (lower is better)',
        });
      }
    }
    notes.push(
      `Runtime latency: \`ask({ type: 'add' })\` on one entity (createPersistence + defineEntity, Effect.persist + thenReply), ${writes} writes per round, ${rounds} rounds pooled; the reference writes one row per statement with the raw driver, without the envelope, runtime or mailbox.`,
    );
    notes.push(
      `bench/postgres.ts persist latency (PostgresJournal.write of one event, no runtime): p50 ${p.persistLatencyP50Ms} ms, p99 ${p.persistLatencyP99Ms} ms.`,
    );
    void median;
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    id: 'append',
    title: 'Append',
    settings: { events: settings.appendEvents, entities: settings.appendEntities, eventsPerWrite: 10, rounds, sqliteSynchronous: 'FULL' },
    rows,
    notes,
  };
}
