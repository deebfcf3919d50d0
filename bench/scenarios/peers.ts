/**
 * Peers: append throughput and loading a 10k-event stream, Memento against Emmett
 * (PostgreSQL, SQLite) and Castore (PostgreSQL) on the same server / directory, same run.
 * Peer libraries come from bench/package.json (bench/peers/README.md); they are loaded
 * dynamically so Memento's typecheck never needs them.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { counterEntity } from './append.js';
import {
  type BenchSettings,
  check,
  historyBatch,
  loadMemento,
  loadPostgres,
  loadSqlite,
  median,
  pgUrl,
  type Row,
  rate,
  root,
  type ScenarioResult,
  timed,
} from './common.js';
import { type Fixtures, historyId } from './fixtures.js';

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
}
type PeersModule = { createPeers(options: { pgUrl: string; sqliteDir: string }): Promise<PeerEventStore[]> };

const STREAMS = 100;
const PER_WRITE = 10;

/** Appends `total` events over 100 concurrent streams, each awaiting its writes of 10 one after another. */
async function appendConcurrently(
  total: number,
  prefix: string,
  write: (stream: string, from: number, count: number) => Promise<void>,
  concurrent = true,
): Promise<number> {
  const perStream = Math.ceil(total / STREAMS);
  const stream = async (s: number) => {
    for (let from = 1; from <= perStream; from += PER_WRITE) await write(`${prefix}-${s}`, from, Math.min(PER_WRITE, perStream - from + 1));
  };
  const ms = await timed(async () => {
    if (concurrent) await Promise.all(Array.from({ length: STREAMS }, (_, s) => stream(s)));
    else for (let s = 0; s < STREAMS; s++) await stream(s);
  });
  return rate(perStream * STREAMS, ms);
}

const peerEvents = (from: number, count: number): PeerEvent[] =>
  Array.from({ length: count }, (_, k) => ({
    type: 'incremented',
    data: { quantity: (from + k) % 5, note: 'benchmark event of typical size' },
  }));

export async function runPeersScenario(settings: BenchSettings, fixtures: Fixtures): Promise<ScenarioResult> {
  const { rounds, log } = settings;
  const rows: Row[] = [];
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'memento-bench-peers-'));
  const specifier = join(root, 'bench', 'peers', 'index.ts');
  let peers: PeerEventStore[];
  try {
    peers = await ((await import(specifier)) as PeersModule).createPeers({ pgUrl: pgUrl(), sqliteDir: dir });
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
  try {
    await postgres.migrate({ pool, schema });
    // Ours, append: the same shape on the same server / directory.
    const oursPg: number[] = [];
    const oursSqlite: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const journal = new postgres.PostgresJournal({ pool, schema });
      oursPg.push(
        await appendConcurrently(settings.peerEvents, `pg-${round}`, async (stream, from, count) => {
          check(await journal.write([{ persistenceId: stream, events: historyBatch(stream, from, count, Date.now()) }]));
        }),
      );
      await journal.close();
      const sqliteJournal = new sqlite.SqliteJournal(join(dir, `memento-${round}.db`));
      await sqliteJournal.ready();
      // Emmett SQLite opens a connection per call and fails with SQLITE_BUSY under concurrent writers: one stream at a time, for both.
      oursSqlite.push(
        await appendConcurrently(
          settings.peerSqliteEvents,
          `sq-${round}`,
          async (stream, from, count) => {
            check(await sqliteJournal.write([{ persistenceId: stream, events: historyBatch(stream, from, count, Date.now()) }]));
          },
          false,
        ),
      );
      await sqliteJournal.close();
    }
    // Ours, load: recover a `loadEvents`-event entity through the runtime (no snapshots).
    const recover = async (kind: 'pg' | 'sqlite') => {
      const samples: number[] = [];
      // Round -1 warms the code paths up, untimed (each peer gets the same below).
      for (let round = -1; round < rounds; round++) {
        const journal =
          kind === 'pg'
            ? new postgres.PostgresJournal({ pool: fixtures.pool, schema: fixtures.pgSchema })
            : new sqlite.SqliteJournal(fixtures.sqliteFile);
        const snapshotStore = new memento.MemorySnapshotStore();
        const persistence = memento.createPersistence({ journal, snapshotStore });
        const ms = await timed(() => persistence.entity(counterEntity(memento), `h-${loadEvents}`).ask({ type: 'get' }));
        if (round >= 0) samples.push(ms);
        await persistence.close();
      }
      return median(samples);
    };
    void historyId;
    const oursLoad = { pg: await recover('pg'), sqlite: await recover('sqlite') };

    for (const peer of peers) {
      const onSqlite = peer.name.includes('sqlite');
      log(`peers: ${peer.name}`);
      try {
        await peer.setup();
        const appendRates: number[] = [];
        for (let round = 0; round < rounds; round++) {
          appendRates.push(
            await appendConcurrently(
              onSqlite ? settings.peerSqliteEvents : settings.peerEvents,
              `append-${round}`,
              (stream, from, count) => peer.append(stream, peerEvents(from, count), from - 1),
              !onSqlite,
            ),
          );
        }
        const stream = 'load-stream';
        for (let from = 1; from <= loadEvents; from += 100)
          await peer.append(stream, peerEvents(from, Math.min(100, loadEvents - from + 1)), from - 1);
        const loads: number[] = [];
        await peer.load(stream);
        for (let round = 0; round < rounds; round++) {
          let count = 0;
          loads.push(
            await timed(async () => {
              count = await peer.load(stream);
            }),
          );
          if (count !== loadEvents) throw new Error(`${peer.name} loaded ${count} of ${loadEvents}`);
        }
        const ours = onSqlite ? median(oursSqlite) : median(oursPg);
        const store = onSqlite ? 'SQLite' : 'PostgreSQL';
        rows.push({
          name: `${store} append ${(onSqlite ? settings.peerSqliteEvents : settings.peerEvents).toLocaleString('en-US')} events, ${STREAMS} streams ${onSqlite ? 'one after another' : 'at once'}, writes of ${PER_WRITE}: Memento vs ${peer.name}`,
          ours,
          reference: median(appendRates),
          referenceName: peer.name,
          unit: 'events/s',
          ratio: ours / median(appendRates),
          ratioNote: 'ours / peer',
          target: 'faster than the peer (> 1x)',
          met: ours > median(appendRates),
        });
        const load = onSqlite ? oursLoad.sqlite : oursLoad.pg;
        rows.push({
          name: `${store} load a ${loadEvents.toLocaleString('en-US')}-event stream: Memento entity recovery vs ${peer.name}`,
          ours: load,
          reference: median(loads),
          referenceName: `${peer.name} load + fold`,
          unit: 'ms',
          ratio: median(loads) / load,
          ratioNote: 'peer time / ours (> 1: ours faster)',
          target: 'faster than the peer (> 1x)',
          met: load < median(loads),
        });
        log(`peers: ${peer.name} append ${Math.round(median(appendRates))} events/s, load ${median(loads).toFixed(1)} ms`);
      } catch (error) {
        notes.push(`${peer.name} failed: ${(error as Error).message.split('\n')[0]}`);
        log(`peers: ${peer.name} failed: ${(error as Error).message}`);
      } finally {
        await peer.teardown().catch(() => {});
      }
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    `Append on SQLite: ${STREAMS} streams one after another (Emmett SQLite opens a connection per call and fails with SQLITE_BUSY when streams write at once), ${settings.peerSqliteEvents} events. Append on PostgreSQL: ${STREAMS} streams at once, each awaiting its writes of ${PER_WRITE} events one after another with the expected version (ours: PostgresJournal / SqliteJournal in a schema / file of their own on the same server / directory). Peers work in databases of their own (bench/peers/README.md).`,
    `Load: ours is the time from \`persistence.entity(...)\` to the first reply, recovering a ${loadEvents}-event entity with no snapshot (journal replay + the runtime's fold); each peer loads and folds the same number of events through its own API (aggregateStream / getAggregate).`,
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
