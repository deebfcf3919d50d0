/**
 * Peers: append throughput and loading a 10k-event stream, Memento against Emmett
 * (PostgreSQL, SQLite) and Castore (PostgreSQL) on the same server / directory, same run,
 * every contender interleaved in a new random order each round, 15 rounds by default.
 * Peer libraries come from bench/package.json (bench/peers/README.md); they are loaded
 * dynamically so Memento's typecheck never needs them.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BenchSettings,
  check,
  historyBatch,
  interleave,
  loadMemento,
  loadPostgres,
  loadSqlite,
  POSTGRES_STORE_OPTIONS,
  pg,
  pgUrl,
  type Row,
  rate,
  root,
  type ScenarioResult,
  stats,
} from './common.js';
import { counterEntity } from './entity.js';
import type { Fixtures } from './fixtures.js';

interface PeerEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}
interface PeerEventStore {
  readonly name: string;
  setup(): Promise<void>;
  append(streamId: string, events: readonly PeerEvent[], expectedVersion: number): Promise<void>;
  load(streamId: string): Promise<number>;
  teardown(): Promise<void>;
  remarks?(): string | undefined;
}
type UnavailablePeer = { readonly label: string; readonly reason: string; readonly hint: string };
type PeersModule = {
  createPeers(options: { pgUrl: string; sqliteDir: string }, onUnavailable: (peer: UnavailablePeer) => void): Promise<PeerEventStore[]>;
};

const STREAMS = 100;
const PER_WRITE = 10;

/** Appends `total` events over 100 concurrent streams, each awaiting its writes of 10 one after another; returns ms. */
async function appendConcurrently(total: number, prefix: string, write: (stream: string, from: number, count: number) => Promise<void>) {
  const perStream = Math.ceil(total / STREAMS);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, s) => {
      for (let from = 1; from <= perStream; from += PER_WRITE)
        await write(`${prefix}-${s}`, from, Math.min(PER_WRITE, perStream - from + 1));
    }),
  );
  return performance.now() - started;
}

/** The margin a win needs: the 1.2x on the median of the rounds. */
const MARGIN = 1.2;

/**
 * Ours' worst round against the peer's best: the medians decide the target, this says
 * whether the rounds' ranges overlap, so a reader sees how far noise could move the verdict.
 */
const worstAgainstBest = (worst: number, best: number, higherIsBetter: boolean): string => {
  const ratio = higherIsBetter ? worst / best : best / worst;
  return `ours' worst round / the peer's best: ${ratio.toFixed(2)}x (${ratio > 1 ? 'no overlap' : 'ranges overlap'})`;
};

const peerEvents = (from: number, count: number): PeerEvent[] =>
  Array.from({ length: count }, (_, k) => ({
    type: 'incremented',
    data: { quantity: (from + k) % 5, note: 'benchmark event of typical size' },
  }));

export async function runPeersScenario(settings: BenchSettings, fixtures: Fixtures): Promise<ScenarioResult> {
  const { log } = settings;
  const rounds = settings.peerRounds;
  const rows: Row[] = [];
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'memento-bench-peers-'));
  const specifier = join(root, 'bench', 'peers', 'index.ts');
  let peers: PeerEventStore[];
  try {
    // A peer that does not load is a failure of the run (the issue compares every peer in the same run), said in the notes.
    peers = await ((await import(specifier)) as PeersModule).createPeers({ pgUrl: pgUrl(), sqliteDir: dir }, ({ label, reason, hint }) => {
      log(`peers: ${label} unavailable: ${reason}`);
      notes.push(`${label} unavailable, so its rows are missing from this run: ${reason} (install with: ${hint}).`);
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { id: 'peers', title: 'Peers', settings: {}, rows, notes: [`peers unavailable: ${(error as Error).message}`] };
  }
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const postgres = await loadPostgres();
  const loadEvents = settings.peerLoadEvents;
  const pool = new pg.Pool({ connectionString: pgUrl(), max: 10 });
  const schema = `memento_bench_peers_${randomBytes(4).toString('hex')}`;
  const ready: PeerEventStore[] = [];
  try {
    await postgres.migrate({ pool, schema });
    const pgJournal = new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool, schema });
    const appendEvents = (onSqlite: boolean) => (onSqlite ? settings.peerSqliteEvents : settings.peerEvents);
    // Ours, load: recover a `loadEvents`-event entity through the runtime (no snapshots).
    const recover = async (kind: 'pg' | 'sqlite') => {
      const journal =
        kind === 'pg'
          ? new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool: fixtures.pool, schema: fixtures.pgSchema })
          : new sqlite.SqliteJournal(fixtures.sqliteFile);
      if (kind === 'sqlite') await (journal as InstanceType<typeof sqlite.SqliteJournal>).ready();
      const persistence = memento.createPersistence({ journal, snapshotStore: new memento.MemorySnapshotStore() });
      const started = performance.now();
      const value = await persistence.entity(counterEntity(memento), `h-${loadEvents}`).ask({ type: 'get' });
      const ms = performance.now() - started;
      await persistence.close();
      if (typeof value !== 'number') throw new Error(`recovered ${String(value)}`);
      return ms;
    };
    const contenders: Record<string, (round: number) => Promise<number>> = {
      'memento-postgres append': (round) =>
        appendConcurrently(appendEvents(false), `pg-${round}`, async (stream, from, count) => {
          check(await pgJournal.write([{ persistenceId: stream, events: historyBatch(stream, from, count, Date.now()) }]));
        }),
      'memento-sqlite append': async (round) => {
        const journal = new sqlite.SqliteJournal(join(dir, `memento-${round}.db`));
        await journal.ready();
        const ms = await appendConcurrently(appendEvents(true), `sq-${round}`, async (stream, from, count) => {
          check(await journal.write([{ persistenceId: stream, events: historyBatch(stream, from, count, Date.now()) }]));
        });
        await journal.close();
        return ms;
      },
      'memento-postgres load': () => recover('pg'),
      'memento-sqlite load': () => recover('sqlite'),
    };
    for (const peer of peers) {
      const onSqlite = peer.name.includes('sqlite');
      try {
        await peer.setup();
        for (let from = 1; from <= loadEvents; from += 100)
          await peer.append('load-stream', peerEvents(from, Math.min(100, loadEvents - from + 1)), from - 1);
        ready.push(peer);
      } catch (error) {
        notes.push(`${peer.name} failed to set up: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      contenders[`${peer.name} append`] = (round) =>
        appendConcurrently(appendEvents(onSqlite), `append-${round}`, (stream, from, count) =>
          peer.append(stream, peerEvents(from, count), from - 1),
        );
      contenders[`${peer.name} load`] = async () => {
        const started = performance.now();
        const count = await peer.load('load-stream');
        const ms = performance.now() - started;
        if (count !== loadEvents) throw new Error(`${peer.name} loaded ${count} of ${loadEvents}`);
        return ms;
      };
    }
    log(`peers: ${Object.keys(contenders).length} contenders, ${rounds} rounds`);
    const samples = await interleave(contenders, { rounds });
    await pgJournal.close();

    for (const peer of ready) {
      const onSqlite = peer.name.includes('sqlite');
      const store = onSqlite ? 'SQLite' : 'PostgreSQL';
      const events = appendEvents(onSqlite);
      const oursAppend = stats((samples[`memento-${onSqlite ? 'sqlite' : 'postgres'} append`] ?? []).map((ms) => rate(events, ms)));
      const theirAppend = stats((samples[`${peer.name} append`] ?? []).map((ms) => rate(events, ms)));
      const appendRatio = oursAppend.median / theirAppend.median;
      rows.push({
        name: `${store} append ${events.toLocaleString('en-US')} events, ${STREAMS} streams at once, writes of ${PER_WRITE}: Memento vs ${peer.name}`,
        ours: oursAppend.median,
        reference: theirAppend.median,
        referenceName: peer.name,
        unit: 'events/s',
        ratio: appendRatio,
        ratioNote: 'ours / peer',
        oursStats: oursAppend,
        referenceStats: theirAppend,
        extra: worstAgainstBest(oursAppend.min, theirAppend.max, true),
        target: `>= ${MARGIN}x the peer (median of ${rounds} rounds)`,
        met: appendRatio >= MARGIN,
      });
      const oursLoad = stats(samples[`memento-${onSqlite ? 'sqlite' : 'postgres'} load`] ?? []);
      const theirLoad = stats(samples[`${peer.name} load`] ?? []);
      const loadRatio = theirLoad.median / oursLoad.median;
      rows.push({
        name: `${store} load a ${loadEvents.toLocaleString('en-US')}-event stream: Memento entity recovery vs ${peer.name}`,
        ours: oursLoad.median,
        reference: theirLoad.median,
        referenceName: `${peer.name} load + fold`,
        unit: 'ms',
        ratio: loadRatio,
        ratioNote: 'peer time / ours (> 1: ours faster)',
        oursStats: oursLoad,
        referenceStats: theirLoad,
        extra: worstAgainstBest(oursLoad.max, theirLoad.min, false),
        target: `>= ${MARGIN}x faster than the peer (median of ${rounds} rounds)`,
        met: loadRatio >= MARGIN,
      });
      log(`peers: ${peer.name} append ${appendRatio.toFixed(2)}x, load ${loadRatio.toFixed(2)}x`);
    }
    for (const peer of ready) {
      const remark = peer.remarks?.();
      if (remark) notes.push(`${peer.name}: ${remark}.`);
    }
  } finally {
    for (const peer of ready) await peer.teardown().catch(() => {});
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    `Append: ${STREAMS} streams at once, each awaiting its writes of ${PER_WRITE} events one after another with the expected version; ${settings.peerEvents.toLocaleString('en-US')} events on PostgreSQL, ${settings.peerSqliteEvents.toLocaleString('en-US')} on SQLite (ours: PostgresJournal on a pool of 10 / SqliteJournal in a fresh file per round, synchronous=FULL; peers with their own settings, in databases of their own on the same server / directory: bench/peers/README.md). Emmett SQLite runs on one sqlite3 connection for the whole run, opened by its own \`sqliteConnection\` (WAL), through its exported \`appendToStream\` / \`readStream\`, one operation at a time (the connection carries one transaction at a time): its \`getSQLiteEventStore\` opens a connection per operation on a file, and about one append in 200 then fails at COMMIT with "SQL statements in progress" (bench/peers/README.md).`,
    `Load: ours is the time from \`persistence.entity(...)\` to the first reply, recovering a ${loadEvents.toLocaleString('en-US')}-event entity with no snapshot (journal replay + the runtime's fold); each peer loads and folds the same number of events through its own API (Emmett PostgreSQL: aggregateStream; Castore: getAggregate; Emmett SQLite: readStream, then the same fold loop as its aggregateStream).`,
    `Every contender (ours and each peer, append and load) runs once per round in a new random order after one untimed warm-up round; ${rounds} rounds. A win needs a margin: the target is ${MARGIN}x on the medians.`,
  );
  return {
    id: 'peers',
    title: 'Peers (Emmett, Castore)',
    settings: {
      appendEvents: settings.peerEvents,
      sqliteAppendEvents: settings.peerSqliteEvents,
      streams: STREAMS,
      eventsPerWrite: PER_WRITE,
      loadEvents,
      rounds,
    },
    rows,
    notes,
  };
}
