/**
 * Scenario 2: replay throughput of one long history, SqliteJournal and PostgresJournal
 * against the raw drivers paging through the same rows (keyset pages of the journal's page
 * size, payload bytes fetched but not decoded: the reference is the floor of reading them).
 * @module
 */
import { createRequire } from 'node:module';
import type { SqliteDriver } from '../../src/sqlite/client.js';
import { type BenchSettings, loadPostgres, loadSqlite, median, type Row, rate, type ScenarioResult, timed } from './common.js';
import { type Fixtures, historyId } from './fixtures.js';

export async function runReplayScenario(settings: BenchSettings, fixtures: Fixtures): Promise<ScenarioResult> {
  const { log } = settings;
  // A 1M-event replay takes seconds per round: three rounds bound the default run's length.
  const rounds = Math.min(settings.rounds, 3);
  const events = settings.replayEvents;
  const id = historyId(events);
  const sqlite = await loadSqlite();
  const postgres = await loadPostgres();
  const rows: Row[] = [];

  const count = async (iterable: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of iterable) n++;
    if (n !== events) throw new Error(`replayed ${n} of ${events}`);
  };
  const Database = createRequire(import.meta.url)('better-sqlite3') as SqliteDriver;
  const ours: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const journal = new sqlite.SqliteJournal(fixtures.sqliteFile);
    await journal.ready();
    ours.push(rate(events, await timed(() => count(journal.replay(id, 1, Number.POSITIVE_INFINITY)))));
    await journal.close();
    const db = new Database(fixtures.sqliteFile, { readonly: true });
    const page = db.prepare(
      'SELECT sequence_nr, timestamp, manifest, writer_id, tags, payload, metadata FROM journal WHERE persistence_id = ? AND sequence_nr BETWEEN ? AND ? ORDER BY sequence_nr',
    );
    raw.push(
      rate(
        events,
        await timed(async () => {
          let next = 1;
          let n = 0;
          while (true) {
            const got = page.all(id, next, next + 999) as { sequence_nr: number }[];
            n += got.length;
            const last = got[got.length - 1];
            if (!last || got.length < 1000) break;
            next = last.sequence_nr + 1;
          }
          if (n !== events) throw new Error(`raw read ${n} of ${events}`);
        }),
      ),
    );
    db.close();
    log(
      `replay sqlite round ${round + 1}: ours ${Math.round(ours[round] as number)} events/s, raw ${Math.round(raw[round] as number)} events/s`,
    );
  }
  rows.push({
    name: `SQLite replay of ${events.toLocaleString('en-US')} events (SqliteJournal.replay, pages of 1000)`,
    ours: median(ours),
    reference: median(raw),
    referenceName: 'raw better-sqlite3 pages of 1000 (sequence_nr BETWEEN n AND n+999), payload not decoded',
    unit: 'events/s',
    ratio: median(ours) / median(raw),
    ratioNote: 'ours / raw',
    ...(events === 1_000_000 ? { target: '>= 500,000 events/s (issue #3)', met: median(ours) >= 500_000 } : {}),
  });

  if (fixtures.pgLengths.includes(events)) {
    const pgOurs: number[] = [];
    const pgRaw: number[] = [];
    const journal = new postgres.PostgresJournal({ pool: fixtures.pool, schema: fixtures.pgSchema });
    for (let round = 0; round < rounds; round++) {
      pgOurs.push(rate(events, await timed(() => count(journal.replay(id, 1, Number.POSITIVE_INFINITY)))));
      pgRaw.push(
        rate(
          events,
          await timed(async () => {
            let next = 1;
            let n = 0;
            while (true) {
              const { rows: got } = await fixtures.pool.query<{ sequence_nr: string }>(
                `SELECT sequence_nr, timestamp_ms, manifest, tags, writer_id, payload, metadata FROM "${fixtures.pgSchema}".memento_journal WHERE persistence_id = $1 AND sequence_nr BETWEEN $2 AND $3 ORDER BY sequence_nr`,
                [id, next, next + 4999],
              );
              n += got.length;
              const last = got[got.length - 1];
              if (!last || got.length < 5000) break;
              next = Number(last.sequence_nr) + 1;
            }
            if (n !== events) throw new Error(`raw read ${n} of ${events}`);
          }),
        ),
      );
      log(
        `replay postgres round ${round + 1}: ours ${Math.round(pgOurs[round] as number)} events/s, raw ${Math.round(pgRaw[round] as number)} events/s`,
      );
    }
    await journal.close();
    rows.push({
      name: `PostgreSQL replay of ${events.toLocaleString('en-US')} events (PostgresJournal.replay, pages of 5000)`,
      ours: median(pgOurs),
      reference: median(pgRaw),
      referenceName: 'raw pg pages of 5000 (sequence_nr BETWEEN n AND n+4999), payload not decoded',
      unit: 'events/s',
      ratio: median(pgOurs) / median(pgRaw),
      ratioNote: 'ours / raw',
    });
  }
  return {
    id: 'replay',
    title: 'Replay throughput',
    settings: { events, rounds },
    rows,
    notes: [
      `History length ${events.toLocaleString('en-US')} events (${events === 1_000_000 ? "the issue's 1M" : "smaller than the issue's 1M; run with --replay-events 1000000"}). Ours decodes every event into a PersistentRepr; the raw reference only fetches the rows.`,
      'SqliteJournal reads each page as one packed row (SQLite concatenates the envelopes; the other columns come as one JSON array), so it beats the raw driver reading the rows one by one: better-sqlite3 allocates a Buffer per BLOB value.',
    ],
  };
}
