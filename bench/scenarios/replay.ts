/**
 * Scenario 2: replay throughput of one long history, SqliteJournal and PostgresJournal
 * against the best raw fetch of the same rows plus `JSON.parse` of each event: every
 * strategy of bench/raw/ reads the same history stored as an application would store it
 * (plain JSON payloads in `raw_journal`, a table defined like the journal's) and parses
 * each event, in interleaved rounds; the fastest is the reference.
 * @module
 */
import { POSTGRES_REPLAY_STRATEGIES } from '../raw/postgres.js';
import { SQLITE_REPLAY_STRATEGIES } from '../raw/sqlite.js';
import {
  type BenchSettings,
  Database,
  interleave,
  loadPostgres,
  loadSqlite,
  POSTGRES_STORE_OPTIONS,
  type Row,
  rankStrategies,
  rate,
  type ScenarioResult,
  stats,
} from './common.js';
import { type Fixtures, historyId } from './fixtures.js';

const TARGET = '>= 0.8x the best raw fetch + JSON.parse of each event';

function row(name: string, events: number, ours: readonly number[], raw: Record<string, readonly number[]>): Row {
  const oursStats = stats(ours.map((ms) => rate(events, ms)));
  const strategies = rankStrategies(
    Object.fromEntries(Object.entries(raw).map(([strategy, samples]) => [strategy, samples.map((ms) => rate(events, ms))])),
    true,
  );
  const best = strategies[0] as (typeof strategies)[number];
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
    target: TARGET,
    met: ratio >= 0.8,
  };
}

export async function runReplayScenario(settings: BenchSettings, fixtures: Fixtures): Promise<ScenarioResult> {
  const { log } = settings;
  // A 1M-event replay takes seconds per contender and round, and eleven contenders run every
  // round: at most three rounds (plus the warm-up) keep the scenario within a few minutes.
  const rounds = Math.min(settings.rounds, 3);
  const events = settings.replayEvents;
  const id = historyId(events);
  const sqlite = await loadSqlite();
  const postgres = await loadPostgres();
  const rows: Row[] = [];
  const expect = (what: string, n: number) => {
    if (n !== events) throw new Error(`${what} replayed ${n} of ${events}`);
  };
  const countOf = async (iterable: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of iterable) n++;
    return n;
  };

  log(`replay: SQLite, ${events} events`);
  const sqliteSamples = await interleave(
    {
      ours: async () => {
        const journal = new sqlite.SqliteJournal(fixtures.sqliteFile);
        await journal.ready();
        const started = performance.now();
        expect('SqliteJournal', await countOf(journal.replay(id, 1, Number.POSITIVE_INFINITY)));
        const ms = performance.now() - started;
        await journal.close();
        return ms;
      },
      ...Object.fromEntries(
        Object.entries(SQLITE_REPLAY_STRATEGIES).map(([name, strategy]) => [
          name,
          async () => {
            const db = new Database(fixtures.sqliteFile, { readonly: true });
            const started = performance.now();
            expect(name, strategy(db, fixtures.sqliteRawTable, id));
            const ms = performance.now() - started;
            db.close();
            return ms;
          },
        ]),
      ),
    },
    { rounds },
  );
  const { ours: sqliteOurs, ...sqliteRaw } = sqliteSamples;
  rows.push(row(`SQLite replay of ${events.toLocaleString('en-US')} events (SqliteJournal.replay)`, events, sqliteOurs, sqliteRaw));

  if (fixtures.pgLengths.includes(events)) {
    log(`replay: PostgreSQL, ${events} events`);
    const journal = new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool: fixtures.pool, schema: fixtures.pgSchema });
    const pgSamples = await interleave(
      {
        ours: async () => expect('PostgresJournal', await countOf(journal.replay(id, 1, Number.POSITIVE_INFINITY))),
        ...Object.fromEntries(
          Object.entries(POSTGRES_REPLAY_STRATEGIES).map(([name, strategy]) => [
            name,
            async () => expect(name, await strategy(fixtures.pool, fixtures.pgRawTable, id)),
          ]),
        ),
      },
      { rounds },
    );
    await journal.close();
    const { ours: pgOurs, ...pgRaw } = pgSamples;
    rows.push(row(`PostgreSQL replay of ${events.toLocaleString('en-US')} events (PostgresJournal.replay)`, events, pgOurs, pgRaw));
  }
  return {
    id: 'replay',
    title: 'Replay throughput',
    settings: { events, rounds },
    rows,
    notes: [
      `History length ${events.toLocaleString('en-US')} events${events === 1_000_000 ? '' : " (the issue's figure is 1,000,000: run with --replay-events 1000000)"}. Ours decodes every event into a PersistentRepr (envelope check + JSON of the event); each raw strategy reads the same events stored as plain JSON in raw_journal (same table definition) and JSON.parses each one. Every contender runs once per round in a new random order, after an untimed warm-up round; medians of ${rounds} rounds.`,
    ],
  };
}
