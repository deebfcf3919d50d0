/**
 * SQLite plugin benchmark: append through SqliteJournal against raw better-sqlite3 inserts
 * of the same rows in one transaction, and replay throughput. Run `npx tsx bench/sqlite.ts`
 * (`--normal` for synchronous=NORMAL). Measures the built code in dist/ when present, as
 * users run it; tsx's transform of src/ adds per-closure overhead that users never pay.
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PersistentRepr } from '../src/core/persistent-repr.js';
import type { SqliteDatabase, SqliteDriver } from '../src/sqlite/client.js';
import type { SqliteSynchronous } from '../src/sqlite/index.js';

type SqliteModule = typeof import('../src/sqlite/index.js');

/** Parameters of {@link runSqliteBench}; the defaults are the targets. */
export interface SqliteBenchOptions {
  /** Events appended per round. @default 100000 */
  readonly events?: number;
  /** Concurrent entities sharing the appends. @default 100 */
  readonly entities?: number;
  /** Events per AtomicWrite. @default 10 */
  readonly batchSize?: number;
  /** Length of the history replayed. @default 200000 */
  readonly replayEvents?: number;
  /** Rounds per figure; the median is reported. @default 5 */
  readonly rounds?: number;
  /** Durability of both the journal and the raw baseline. @default 'FULL' */
  readonly synchronous?: SqliteSynchronous;
  /** Directory for the database files. @default a fresh directory under os.tmpdir() */
  readonly dir?: string;
  /** Benchmark `src/` through the current loader even when `dist/` exists. @default false */
  readonly fromSource?: boolean;
}

/** Figures of one run; rates in events per second (medians). */
export interface SqliteBenchResult {
  /** Each entity hands all its AtomicWrites to one `write` call, all entities at once. */
  readonly appendBatched: number;
  /** Each entity awaits each AtomicWrite before the next (one group commit per round trip). */
  readonly appendInteractive: number;
  /** Raw prepared inserts of the same rows (JSON-serialized) in one transaction. */
  readonly appendRaw: number;
  /** appendBatched / appendRaw; target >= 0.8. */
  readonly appendRatio: number;
  /** appendInteractive / appendRaw, for information. */
  readonly interactiveRatio: number;
  /** Replay of one persistence id's history; target >= 500000. */
  readonly replay: number;
  /** Which code was measured. */
  readonly code: 'dist' | 'src';
  readonly options: Required<Omit<SqliteBenchOptions, 'dir' | 'fromSource'>>;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function loadPlugin(fromSource: boolean): Promise<{ plugin: SqliteModule; code: 'dist' | 'src' }> {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'sqlite', 'index.js');
  if (!fromSource && existsSync(dist)) return { plugin: (await import(pathToFileURL(dist).href)) as SqliteModule, code: 'dist' };
  return { plugin: await import('../src/sqlite/index.js'), code: 'src' };
}

/** Every entity's events, built before the clock starts so every contender stores identical rows. */
function buildEvents(entities: number, perEntity: number): PersistentRepr[][] {
  const timestamp = Date.now();
  return Array.from({ length: entities }, (_, entity) =>
    Array.from({ length: perEntity }, (_, index) => ({
      persistenceId: `entity-${entity}`,
      sequenceNr: index + 1,
      timestamp,
      event: { type: 'incremented', entity, by: (index + 1) % 7, note: 'bench event' },
    })),
  );
}

const atomicWrites = (events: PersistentRepr[], batchSize: number) =>
  Array.from({ length: Math.ceil(events.length / batchSize) }, (_, index) => ({
    persistenceId: (events[0] as PersistentRepr).persistenceId,
    events: events.slice(index * batchSize, (index + 1) * batchSize),
  }));

function check(results: readonly (Error | undefined)[]): void {
  const failed = results.find((result) => result !== undefined);
  if (failed) throw failed;
}

async function appendJournal(
  plugin: SqliteModule,
  file: string,
  streams: PersistentRepr[][],
  batchSize: number,
  synchronous: SqliteSynchronous,
  interactive: boolean,
): Promise<number> {
  const journal = new plugin.SqliteJournal(file, { synchronous });
  await journal.ready();
  const batches = streams.map((events) => atomicWrites(events, batchSize));
  const started = performance.now();
  await Promise.all(
    batches.map(async (writes) => {
      if (!interactive) return check(await journal.write(writes));
      for (const write of writes) check(await journal.write([write]));
    }),
  );
  const elapsed = performance.now() - started;
  await journal.close();
  return elapsed;
}

async function appendRaw(plugin: SqliteModule, file: string, streams: PersistentRepr[][], synchronous: SqliteSynchronous): Promise<number> {
  // The journal's own schema (its migrations create the file), the same pragmas and rows.
  const setup = new plugin.SqliteJournal(file);
  await setup.ready();
  await setup.close();
  const Database = createRequire(import.meta.url)('better-sqlite3') as SqliteDriver;
  const db: SqliteDatabase = new Database(file);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous}`);
  const insert = db.prepare(
    'INSERT INTO journal (persistence_id, sequence_nr, timestamp, manifest, writer_id, tags, payload, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const highest = db.prepare('INSERT INTO journal_highest (persistence_id, highest) VALUES (?, ?)');
  const started = performance.now();
  db.exec('BEGIN IMMEDIATE');
  for (const events of streams) {
    for (const event of events) {
      insert.run(event.persistenceId, event.sequenceNr, event.timestamp, null, null, null, Buffer.from(JSON.stringify(event.event)), null);
    }
    highest.run((events[0] as PersistentRepr).persistenceId, events.length);
  }
  db.exec('COMMIT');
  const elapsed = performance.now() - started;
  db.close();
  return elapsed;
}

async function replay(plugin: SqliteModule, file: string, persistenceId: string, expected: number): Promise<number> {
  const journal = new plugin.SqliteJournal(file);
  await journal.ready();
  const started = performance.now();
  let count = 0;
  for await (const _ of journal.replay(persistenceId, 1, Number.POSITIVE_INFINITY)) count++;
  const elapsed = performance.now() - started;
  await journal.close();
  if (count !== expected) throw new Error(`replayed ${count} events, expected ${expected}`);
  return elapsed;
}

/** Runs the benchmark and returns median rates; prints nothing. */
export async function runSqliteBench(options: SqliteBenchOptions = {}): Promise<SqliteBenchResult> {
  const settings = {
    events: options.events ?? 100_000,
    entities: options.entities ?? 100,
    batchSize: options.batchSize ?? 10,
    replayEvents: options.replayEvents ?? 200_000,
    rounds: options.rounds ?? 5,
    synchronous: options.synchronous ?? 'FULL',
  } as const;
  const { plugin, code } = await loadPlugin(options.fromSource ?? false);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'memento-bench-sqlite-'));
  const perEntity = Math.ceil(settings.events / settings.entities);
  const total = perEntity * settings.entities;
  const rate = (events: number, ms: number) => events / (ms / 1000);
  try {
    const batched: number[] = [];
    const interactive: number[] = [];
    const raw: number[] = [];
    // Round -1 warms up the JIT for every contender and is not counted: the journal's first
    // round runs its write path cold (about 0.6x of its later rounds), the raw loop has none.
    for (let round = -1; round < settings.rounds; round++) {
      const streams = buildEvents(settings.entities, perEntity);
      const file = (name: string) => join(dir, `${name}-${round + 1}.db`);
      const record = (into: number[], value: number) => {
        if (round >= 0) into.push(value);
      };
      const contenders = [
        async () =>
          record(
            batched,
            rate(total, await appendJournal(plugin, file('batched'), streams, settings.batchSize, settings.synchronous, false)),
          ),
        async () =>
          record(
            interactive,
            rate(total, await appendJournal(plugin, file('interactive'), streams, settings.batchSize, settings.synchronous, true)),
          ),
        async () => record(raw, rate(total, await appendRaw(plugin, file('raw'), streams, settings.synchronous))),
      ];
      // Rotate the order so no contender always runs on the warmest cache.
      for (let index = 0; index < contenders.length; index++)
        await (contenders[(index + round + 1) % contenders.length] as () => Promise<unknown>)();
    }
    const replayFile = join(dir, 'replay.db');
    const writer = new plugin.SqliteJournal(replayFile, { synchronous: 'NORMAL' });
    const [history] = buildEvents(1, settings.replayEvents) as [PersistentRepr[]];
    check(await writer.write(atomicWrites(history, 1000)));
    await writer.close();
    const replays: number[] = [];
    for (let round = 0; round < settings.rounds; round++) {
      replays.push(rate(settings.replayEvents, await replay(plugin, replayFile, 'entity-0', settings.replayEvents)));
    }
    const appendRaw_ = median(raw);
    return {
      appendBatched: median(batched),
      appendInteractive: median(interactive),
      appendRaw: appendRaw_,
      appendRatio: median(batched) / appendRaw_,
      interactiveRatio: median(interactive) / appendRaw_,
      replay: median(replays),
      code,
      options: settings,
    };
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders a result as the lines the script prints. */
export function formatSqliteBench(result: SqliteBenchResult): string {
  const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} events/s`.padStart(18);
  const { events, entities, batchSize, replayEvents, rounds, synchronous } = result.options;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'BELOW TARGET');
  return [
    `sqlite (${result.code}): ${events} events, ${entities} entities, AtomicWrites of ${batchSize}, synchronous=${synchronous}, median of ${rounds} after a warm-up round`,
    `  append raw better-sqlite3, one transaction ${rate(result.appendRaw)}`,
    `  append SqliteJournal, batched             ${rate(result.appendBatched)}  ${result.appendRatio.toFixed(2)}x raw (target >= 0.80x) ${verdict(result.appendRatio >= 0.8)}`,
    `  append SqliteJournal, await each write    ${rate(result.appendInteractive)}  ${result.interactiveRatio.toFixed(2)}x raw (one commit per round trip)`,
    `  replay ${replayEvents} events                    ${rate(result.replay)}  (target >= 500,000) ${verdict(result.replay >= 500_000)}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const synchronous = process.argv.includes('--normal') ? 'NORMAL' : 'FULL';
  console.log(formatSqliteBench(await runSqliteBench({ synchronous, fromSource: process.argv.includes('--src') })));
}
