/**
 * Scenario 1: append, each against the best raw strategy for the same workload:
 *  - bulk: 100 entities each hand all their events (AtomicWrites of 10) to one
 *    `Journal.write` call, all at once; raw: the best of the bulk strategies in bench/raw/;
 *  - through the entity runtime: 100 entities each awaiting every persist of one event
 *    (`ask({ type: 'add' })`); raw: 100 writers each awaiting each single-event insert,
 *    the best of what a hand-written application can do with the bare driver;
 *  - one entity persisting sequentially through the runtime: latency p50 / p99.
 * SQLite with synchronous=FULL on both sides; PostgreSQL with the same pool size.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Journal, SnapshotStore } from '../../src/index.js';
import {
  createRawJournal,
  type PostgresConcurrentStrategy,
  postgresBulkStrategies,
  postgresConcurrentStrategies,
  postgresInserter,
} from '../raw/postgres.js';
import {
  bulkAppend,
  type ConcurrentStrategy,
  concurrentInserter,
  openRaw,
  type RawEvent,
  SQLITE_BULK_STRATEGIES,
  SQLITE_CONCURRENT_STRATEGIES,
} from '../raw/sqlite.js';
import {
  type BenchSettings,
  benchEvent,
  check,
  interleave,
  loadMemento,
  loadPostgres,
  loadSqlite,
  type MementoModule,
  POSTGRES_STORE_OPTIONS,
  percentile,
  pg,
  pgUrl,
  type RawSqlite,
  type Row,
  rankStrategies,
  rate,
  type ScenarioResult,
  stats,
} from './common.js';
import { counterEntity } from './entity.js';

const SYNCHRONOUS = 'FULL';
/**
 * Commands per writer of the one-commit-per-event strategies: at a few hundred commits a
 * second they would take minutes per round; their rate is measured on this many commands
 * per writer (the rate, not the total, is compared).
 */
const SLOW_STRATEGY_COMMANDS = 20;
const PER_WRITE = 10;
/** Connections of every PostgreSQL pool here, ours and raw alike. */
const CONNECTIONS = 10;

/** Every entity's events, built before the clock starts so every contender stores identical events. */
function buildStreams(prefix: string, entities: number, perEntity: number): RawEvent[][] {
  const timestamp = Date.now();
  return Array.from({ length: entities }, (_, entity) =>
    Array.from({ length: perEntity }, (_, index) => ({
      persistenceId: `${prefix}-${entity}`,
      sequenceNr: index + 1,
      timestamp,
      event: benchEvent(index + 1),
    })),
  );
}

const atomicWrites = (events: readonly RawEvent[]) =>
  Array.from({ length: Math.ceil(events.length / PER_WRITE) }, (_, index) => ({
    persistenceId: (events[0] as RawEvent).persistenceId,
    events: events.slice(index * PER_WRITE, (index + 1) * PER_WRITE),
  }));

/** Each entity hands all its writes to one call, all entities at once; returns ms. */
async function bulkThroughJournal(journal: Journal, streams: readonly RawEvent[][]): Promise<number> {
  const calls = streams.map(atomicWrites);
  const started = performance.now();
  await Promise.all(calls.map(async (writes) => check(await journal.write(writes))));
  return performance.now() - started;
}

/** `entities` entities of the runtime, each awaiting `perEntity` asks of one event; returns ms. */
async function throughRuntime(
  memento: MementoModule,
  journal: Journal,
  snapshotStore: SnapshotStore,
  prefix: string,
  entities: number,
  perEntity: number,
): Promise<number> {
  const persistence = memento.createPersistence({ journal, snapshotStore });
  const definition = counterEntity(memento);
  const refs = Array.from({ length: entities }, (_, index) => persistence.entity(definition, `${prefix}-${index}`));
  // Recovery (of nothing) is not what is measured: every entity is up before the clock starts.
  await Promise.all(refs.map((ref) => ref.ask({ type: 'get' })));
  const started = performance.now();
  await Promise.all(
    refs.map(async (ref) => {
      for (let index = 0; index < perEntity; index++) await ref.ask({ type: 'add', quantity: 1 });
    }),
  );
  const elapsed = performance.now() - started;
  await persistence.close();
  return elapsed;
}

/** `streams.length` writers each awaiting each single-event insert; returns ms. */
async function throughInserter(insert: (event: RawEvent) => Promise<void>, streams: readonly RawEvent[][]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    streams.map(async (events) => {
      for (const event of events) await insert(event);
    }),
  );
  return performance.now() - started;
}

/** One row: ours against the best raw strategy (throughputs, higher is better). */
function bestRow(
  name: string,
  events: number,
  oursMs: readonly number[],
  rawMs: Record<string, readonly number[]>,
  target: string | undefined,
  /** Events of strategies measured on fewer events than ours (by name). */
  rawEvents: Record<string, number> = {},
): Row {
  const oursRates = oursMs.map((ms) => rate(events, ms));
  const strategies = rankStrategies(
    Object.fromEntries(
      Object.entries(rawMs).map(([strategy, samples]) => [strategy, samples.map((ms) => rate(rawEvents[strategy] ?? events, ms))]),
    ),
    true,
  );
  const best = strategies[0] as (typeof strategies)[number];
  const oursStats = stats(oursRates);
  const ratio = oursStats.median / best.stats.median;
  return {
    name,
    ours: oursStats.median,
    reference: best.stats.median,
    referenceName: `best raw strategy: ${best.name}`,
    unit: 'events/s',
    ratio,
    ratioNote: 'ours / raw',
    oursStats,
    referenceStats: best.stats,
    strategies,
    ...(target ? { target, met: ratio >= 0.8 } : {}),
  };
}

export async function runAppendScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const { log, rounds } = settings;
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const postgres = await loadPostgres();
  const rows: Row[] = [];
  const notes: string[] = [];
  const entities = settings.appendEntities;
  const perEntity = Math.ceil(settings.appendEvents / entities);
  const total = perEntity * entities;
  const commandsPerEntity = Math.ceil(settings.runtimeCommands / entities);
  const commands = commandsPerEntity * entities;
  const slowCommands = Math.min(commandsPerEntity, SLOW_STRATEGY_COMMANDS);
  const sqliteConcurrentName = (strategy: ConcurrentStrategy) =>
    strategy === 'autocommit'
      ? `${SQLITE_CONCURRENT_STRATEGIES[strategy]} (rate over ${slowCommands} commands per writer)`
      : SQLITE_CONCURRENT_STRATEGIES[strategy];
  const dir = mkdtempSync(join(tmpdir(), 'memento-bench-append-'));
  const pool = new pg.Pool({ connectionString: pgUrl(), max: CONNECTIONS });
  const schema = `memento_bench_append_${randomBytes(4).toString('hex')}`;
  let files = 0;
  const freshFile = () => join(dir, `append-${files++}.db`);
  const clearFiles = () => {
    for (const file of readdirSync(dir)) rmSync(join(dir, file), { force: true });
  };
  const opened: RawSqlite[] = [];
  try {
    await postgres.migrate({ pool, schema });
    const rawTable = await createRawJournal(pool, schema);

    // Bulk, SQLite: a fresh file per contender and round (setup untimed).
    log(`append: bulk, ${total} events over ${entities} entities, SQLite`);
    const sqliteBulk = await interleave(
      {
        ours: async (round: number) => {
          const journal = new sqlite.SqliteJournal(freshFile(), { synchronous: SYNCHRONOUS });
          await journal.ready();
          const ms = await bulkThroughJournal(journal, buildStreams(`bulk-${round}`, entities, perEntity));
          await journal.close();
          return ms;
        },
        ...Object.fromEntries(
          Object.entries(SQLITE_BULK_STRATEGIES).map(([name, rowsPerStatement]) => [
            name,
            async (round: number) => {
              const db = await openRaw(sqlite, freshFile(), SYNCHRONOUS);
              const ms = bulkAppend(db, buildStreams(`bulk-${round}`, entities, perEntity).flat(), rowsPerStatement);
              db.close();
              return ms;
            },
          ]),
        ),
      },
      { rounds },
    );
    const { ours: sqliteBulkOurs, ...sqliteBulkRaw } = sqliteBulk;
    rows.push(
      bestRow(
        `SQLite append, bulk: ${total.toLocaleString('en-US')} events, ${entities} entities each handing all its writes of ${PER_WRITE} to one Journal.write`,
        total,
        sqliteBulkOurs,
        sqliteBulkRaw,
        '>= 0.8x the best raw strategy',
      ),
    );
    clearFiles();

    // Bulk, PostgreSQL: distinct ids per contender and round in one schema.
    log(`append: bulk, ${total} events over ${entities} entities, PostgreSQL`);
    const journal = new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool, schema });
    const pgBulk = await interleave(
      {
        ours: (round: number) => bulkThroughJournal(journal, buildStreams(`bulk-ours-${round}`, entities, perEntity)),
        ...Object.fromEntries(
          postgresBulkStrategies(CONNECTIONS).map((strategy, index) => [
            strategy.name,
            async (round: number) => {
              const events = buildStreams(`bulk-raw${index}-${round}`, entities, perEntity).flat();
              const started = performance.now();
              await strategy.run(pool, rawTable, events, CONNECTIONS);
              return performance.now() - started;
            },
          ]),
        ),
      },
      { rounds },
    );
    const { ours: pgBulkOurs, ...pgBulkRaw } = pgBulk;
    rows.push(
      bestRow(
        `PostgreSQL append, bulk: ${total.toLocaleString('en-US')} events, ${entities} entities each handing all its writes of ${PER_WRITE} to one Journal.write`,
        total,
        pgBulkOurs,
        pgBulkRaw,
        '>= 0.8x the best raw strategy',
      ),
    );

    // Through the runtime: every entity awaits every persist of one event.
    log(`append: runtime, ${commands} commands over ${entities} entities, SQLite`);
    const sqliteRuntime = await interleave(
      {
        ours: async (round: number) => {
          const file = freshFile();
          return throughRuntime(
            memento,
            new sqlite.SqliteJournal(file, { synchronous: SYNCHRONOUS }),
            new sqlite.SqliteSnapshotStore(file, { synchronous: SYNCHRONOUS }),
            `rt-${round}`,
            entities,
            commandsPerEntity,
          );
        },
        ...Object.fromEntries(
          (Object.keys(SQLITE_CONCURRENT_STRATEGIES) as ConcurrentStrategy[]).map((strategy) => [
            sqliteConcurrentName(strategy),
            async (round: number) => {
              const db = await openRaw(sqlite, freshFile(), SYNCHRONOUS);
              opened.push(db);
              const ms = await throughInserter(
                concurrentInserter(db, strategy),
                buildStreams(`counter|rt-${round}`, entities, strategy === 'autocommit' ? slowCommands : commandsPerEntity),
              );
              db.close();
              return ms;
            },
          ]),
        ),
      },
      { rounds },
    );
    const { ours: sqliteRuntimeOurs, ...sqliteRuntimeRaw } = sqliteRuntime;
    rows.push(
      bestRow(
        `SQLite append through the entity runtime: ${entities} entities each awaiting every persist of one event (${commands.toLocaleString('en-US')} commands)`,
        commands,
        sqliteRuntimeOurs,
        sqliteRuntimeRaw,
        '>= 0.8x the raw limit for this workload',
        { [sqliteConcurrentName('autocommit')]: slowCommands * entities },
      ),
    );
    clearFiles();

    log(`append: runtime, ${commands} commands over ${entities} entities, PostgreSQL`);
    const strategies = postgresConcurrentStrategies(CONNECTIONS);
    const pgConcurrentName = (strategy: PostgresConcurrentStrategy) =>
      strategy === 'each' ? `${strategies[strategy]} (rate over ${slowCommands} commands per writer)` : strategies[strategy];
    const pgRuntime = await interleave(
      {
        ours: (round: number) =>
          throughRuntime(
            memento,
            new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool, schema }),
            new postgres.PostgresSnapshotStore({ ...POSTGRES_STORE_OPTIONS, pool, schema }),
            `rt-${round}`,
            entities,
            commandsPerEntity,
          ),
        ...Object.fromEntries(
          (Object.keys(strategies) as PostgresConcurrentStrategy[]).map((strategy) => [
            pgConcurrentName(strategy),
            (round: number) =>
              throughInserter(
                postgresInserter(pool, rawTable, strategy, CONNECTIONS),
                buildStreams(`counter|rt-${strategy}-${round}`, entities, strategy === 'each' ? slowCommands : commandsPerEntity),
              ),
          ]),
        ),
      },
      { rounds },
    );
    const { ours: pgRuntimeOurs, ...pgRuntimeRaw } = pgRuntime;
    rows.push(
      bestRow(
        `PostgreSQL append through the entity runtime: ${entities} entities each awaiting every persist of one event (${commands.toLocaleString('en-US')} commands)`,
        commands,
        pgRuntimeOurs,
        pgRuntimeRaw,
        '>= 0.8x the raw limit for this workload',
        { [pgConcurrentName('each')]: slowCommands * entities },
      ),
    );

    // One entity persisting sequentially: latency, pooled over rounds.
    log('append: one entity, sequential latency');
    const writes = settings.latencyWrites;
    const latency: Record<'sqliteOurs' | 'sqliteRaw' | 'pgOurs' | 'pgRaw', number[]> = {
      sqliteOurs: [],
      sqliteRaw: [],
      pgOurs: [],
      pgRaw: [],
    };
    const sequentially = async (into: number[], once: (nr: number) => Promise<unknown>) => {
      for (let nr = 1; nr <= writes; nr++) {
        const started = performance.now();
        await once(nr);
        into.push(performance.now() - started);
      }
    };
    const sequentialRuntime = async (journalOf: () => Journal, snapshotsOf: () => SnapshotStore, into: number[], id: string) => {
      const persistence = memento.createPersistence({ journal: journalOf(), snapshotStore: snapshotsOf() });
      const ref = persistence.entity(counterEntity(memento), id);
      await ref.ask({ type: 'get' });
      await sequentially(into, () => ref.ask({ type: 'add', quantity: 1 }));
      await persistence.close();
    };
    const discard: number[] = [];
    await interleave(
      {
        sqliteOurs: async (round: number) => {
          const file = freshFile();
          await sequentialRuntime(
            () => new sqlite.SqliteJournal(file, { synchronous: SYNCHRONOUS }),
            () => new sqlite.SqliteSnapshotStore(file, { synchronous: SYNCHRONOUS }),
            round < 0 ? discard : latency.sqliteOurs,
            'latency',
          );
        },
        sqliteRaw: async (round: number) => {
          const db = await openRaw(sqlite, freshFile(), SYNCHRONOUS);
          const insert = concurrentInserter(db, 'autocommit');
          await sequentially(round < 0 ? discard : latency.sqliteRaw, (nr) =>
            insert({ persistenceId: 'counter|latency', sequenceNr: nr, timestamp: Date.now(), event: benchEvent(nr) }),
          );
          db.close();
        },
        pgOurs: (round: number) =>
          sequentialRuntime(
            () => new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool, schema }),
            () => new postgres.PostgresSnapshotStore({ ...POSTGRES_STORE_OPTIONS, pool, schema }),
            round < 0 ? discard : latency.pgOurs,
            `latency-${round}`,
          ),
        pgRaw: async (round: number) => {
          const insert = postgresInserter(pool, rawTable, 'each', CONNECTIONS);
          await sequentially(round < 0 ? discard : latency.pgRaw, (nr) =>
            insert({ persistenceId: `counter|latency-${round}`, sequenceNr: nr, timestamp: Date.now(), event: benchEvent(nr) }),
          );
        },
      },
      { rounds },
    );
    for (const [store, ours, raw, rawName] of [
      ['SQLite', latency.sqliteOurs, latency.sqliteRaw, 'raw better-sqlite3 one-row INSERT, autocommit (synchronous=FULL)'],
      ['PostgreSQL', latency.pgOurs, latency.pgRaw, 'raw pg one-row INSERT, autocommit'],
    ] as const) {
      for (const p of [50, 99]) {
        const o = percentile(ours, p);
        const r = percentile(raw, p);
        rows.push({
          name: `${store} one entity persisting sequentially via the runtime, p${p} latency`,
          ours: o,
          reference: r,
          referenceName: rawName,
          unit: 'ms',
          ratio: o / r,
          ratioNote: 'ours / raw (lower is better)',
          extra: `${writes} writes x ${rounds} rounds pooled`,
        });
      }
    }
    await journal.close();

    notes.push(
      `Every contender runs once per round in a new random order after one untimed warm-up round; figures are medians of ${rounds} rounds (min / max in bench/results/latest.json). Events are built before the clock starts; serializing them is inside it (raw: \`JSON.stringify\` of each event; ours: the journal's envelope).`,
      `Raw SQLite writes the same events into the journal's own table of a fresh file (journal's schema, WAL, synchronous=${SYNCHRONOUS}), skipping journal_highest; raw PostgreSQL writes into raw_journal, a copy of the journal table without write_id, on a pool of ${CONNECTIONS} connections like ours, skipping the streams table.`,
      'Runtime rows: ours is `ask({ type: "add" })` on 100 entities at once (createPersistence + defineEntity; Effect.persist + thenReply), every entity recovered before the clock starts; the raw limit is 100 writers each awaiting each single-event insert, with the best batching a hand-written application can do around the bare driver (see the strategies). On SQLite its group commit is the journal\'s (everything queued in one event-loop turn, one BEGIN IMMEDIATE ... COMMIT at the same synchronous), so both sides pay one fsync per turn of commands; a bulk insert of all rows in one transaction is not this workload (that is the bulk row). The raw writers skip what only a journal does per event: envelope and checksum, writer id, the sequence check and the table of highest sequence numbers (journal_highest, streams).',
    );
  } finally {
    for (const db of opened) if (db.open) db.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    id: 'append',
    title: 'Append',
    settings: {
      events: total,
      entities,
      eventsPerWrite: PER_WRITE,
      runtimeCommands: commands,
      rounds,
      sqliteSynchronous: SYNCHRONOUS,
      pgConnections: CONNECTIONS,
    },
    rows,
    notes,
  };
}
