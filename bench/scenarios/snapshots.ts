/**
 * Scenario 4: snapshot save and load, warm (the store object that saved) and cold (a new
 * store object per load, as after a restart), of 1 KB, 1 MB and 10 MB states, as JSON
 * (an object holding a string: what a recorder stores) and as bytes (a Uint8Array), on
 * fs, S3 (a private s3rver), SQLite and PostgreSQL, all through dist/.
 *
 * References: the raw driver doing the job by hand with the serializer's own codec and no
 * envelope — load: GetObject / SELECT / a file read (`readFile`, or one read of the whole
 * size) of the serializer's bytes + the serializer's `fromBinary`, the best strategy of each; save: `toBinary` + PutObject / INSERT / write + fsync +
 * rename + directory fsync. Every contender of one state runs once per round in a new
 * random order, after untimed warm-up rounds (more for small states, see SIZES), the same number of rounds for every row;
 * each save is followed (untimed) by deleting all but the two newest snapshots, as a
 * retention policy would, so tables and buckets stay small.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { close as closeCallback, fstat as fstatCallback, open as openCallback, read as readCallback } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SnapshotStore } from '../../src/index.js';
import { startS3Server } from '../../test/support/s3-server.js';
import { sendStatement, sqlLiteral } from '../raw/postgres.js';
import {
  type BenchSettings,
  Database,
  formatValue,
  interleave,
  loadFs,
  loadMemento,
  loadPostgres,
  loadS3,
  loadSqlite,
  POSTGRES_STORE_OPTIONS,
  pairedRatio,
  pg,
  pgUrl,
  type Row,
  rankStrategies,
  type ScenarioResult,
  stats,
} from './common.js';

/**
 * Untimed warm-up rounds per size. One round leaves a 1 KB load timing V8 compiling our code
 * path (guard, envelope, checksum), which is longer than the raw one: both sides get rounds
 * enough to run compiled, as they do in a process that has loaded a few snapshots. Larger
 * states take long enough per call that one round does.
 */
/**
 * `loadBatch`: loads timed back to back per sample, reported per load. A 1 KB load takes tens
 * of microseconds, and timed alone it measured the CPU caches the previous contender (an S3
 * or PostgreSQL round trip) left behind more than the load itself; both sides are batched alike.
 */
const SIZES = [
  { label: '1 KB', bytes: 1024, warmup: 30, loadBatch: 20 },
  { label: '1 MB', bytes: 1024 * 1024, warmup: 3, loadBatch: 1 },
  { label: '10 MB', bytes: 10 * 1024 * 1024, warmup: 1, loadBatch: 1 },
] as const;
const KINDS = ['json', 'bytes'] as const;
type Backend = 'fs' | 'S3' | 'SQLite' | 'PostgreSQL';
const BACKENDS: readonly Backend[] = ['fs', 'S3', 'SQLite', 'PostgreSQL'];
const TARGET = '<= 1.3x raw fetch + the serializer decode';
/**
 * `PRAGMA mmap_size` of the raw SQLite connection that reads through memory mapping, and the
 * `mmapBytes` of our SQLite stores: our best mode against the driver's best (docs/sqlite.md).
 */
const SQLITE_MMAP_BYTES = 256 * 1024 * 1024;

async function fsyncedWrite(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * A file in one buffer the way a hand-written reader with node:fs callbacks does it: open,
 * fstat, one read of the whole size (again for what a short read left), close. Four calls
 * through the thread pool whatever the size, where `readFile` reads 512 KiB per call.
 */
function readAtOnce(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    openCallback(path, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      const finish = (error: Error | null, bytes?: Buffer) =>
        closeCallback(fd, (closeError) => (error || closeError ? reject(error ?? closeError) : resolve(bytes as Buffer)));
      fstatCallback(fd, (statError, stats) => {
        if (statError) return finish(statError);
        const buffer = Buffer.allocUnsafe(stats.size);
        let filled = 0;
        const next = (readError: Error | null, count: number) => {
          if (readError) return finish(readError);
          filled += count;
          if (count === 0 || filled === buffer.length) return finish(null, buffer.subarray(0, filled));
          readCallback(fd, buffer, filled, buffer.length - filled, filled, next);
        };
        if (buffer.length === 0) return finish(null, buffer);
        readCallback(fd, buffer, 0, buffer.length, 0, next);
      });
    });
  });
}

/** Reads a GetObject body as one buffer, sized by ContentLength: what a hand-written reader does. */
async function readInto(body: AsyncIterable<Uint8Array>, length: number | undefined): Promise<Uint8Array> {
  if (length === undefined) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for await (const chunk of body) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export async function runSnapshotScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const { log } = settings;
  const rounds = settings.snapshotRounds;
  const sizes = SIZES.filter((size) => settings.snapshotSizes.includes(size.bytes));
  if (sizes.length === 0)
    throw new Error(`--snapshot-sizes: none of ${settings.snapshotSizes.join(', ')} is one of ${SIZES.map((s) => s.bytes).join(', ')}`);
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const postgres = await loadPostgres();
  const s3 = await loadS3();
  const fs = await loadFs();
  const json = new memento.JsonSerializer();
  const bytesSerializer = new memento.BytesSerializer();
  // Random payloads do not compress; compression is a serialization choice, not store cost.
  const serialization = new memento.Serialization({ compression: false });
  const rows: Row[] = [];
  const directory = await mkdtemp(join(tmpdir(), 'memento-bench-snap-'));
  const server = await startS3Server();
  // The stores get a client that does not retry by itself, as docs/s3.md recommends.
  const storeClient: S3Client = server.client({ maxAttempts: 1 });
  const client: S3Client = server.client();
  const pool = new pg.Pool({ connectionString: pgUrl(), max: 4 });
  const schema = `memento_bench_snap_${randomBytes(4).toString('hex')}`;
  const bucket = 'memento-bench';
  const sqliteFile = join(directory, 'snapshots.db');
  const fsDir = join(directory, 'fs-store');
  const rawDir = join(directory, 'raw');
  await mkdir(rawDir, { recursive: true });
  try {
    await s3.createBucketIfMissing(client, bucket);
    await postgres.migrate({ pool, schema });
    await pool.query(`CREATE TABLE "${schema}".raw_snapshots (LIKE "${schema}".memento_snapshots INCLUDING ALL)`);
    const s3Options = { client: storeClient, bucket, prefix: 'bench/', serialization };
    const makeStore: Record<Backend, () => SnapshotStore> = {
      fs: () => new fs.FileSnapshotStore({ directory: fsDir, serialization }),
      S3: () => new s3.S3SnapshotStore(s3Options),
      SQLite: () => new sqlite.SqliteSnapshotStore(sqliteFile, { serialization, mmapBytes: SQLITE_MMAP_BYTES }),
      PostgreSQL: () => new postgres.PostgresSnapshotStore({ ...POSTGRES_STORE_OPTIONS, pool, schema, serialization }),
    };
    const warm = Object.fromEntries(BACKENDS.map((backend) => [backend, makeStore[backend]()])) as Record<Backend, SnapshotStore>;
    // Opens the SQLite file and creates the raw table next to the store's.
    await (warm.SQLite as InstanceType<typeof sqlite.SqliteSnapshotStore>).ready();
    const db = new Database(sqliteFile);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS raw_snapshots (persistence_id TEXT NOT NULL, sequence_nr INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  payload BLOB NOT NULL, metadata BLOB, PRIMARY KEY (persistence_id, sequence_nr))`);
    const sqliteInsert = db.prepare('INSERT INTO raw_snapshots (persistence_id, sequence_nr, timestamp, payload) VALUES (?, ?, ?, ?)');
    const sqliteSelect = db
      .prepare('SELECT sequence_nr, timestamp, payload FROM raw_snapshots WHERE persistence_id = ? ORDER BY sequence_nr DESC LIMIT 1')
      .raw(true);
    // A second raw connection on the same file and table, reading through memory mapping.
    const mappedDb = new Database(sqliteFile);
    mappedDb.exec(`PRAGMA busy_timeout = 5000; PRAGMA mmap_size = ${SQLITE_MMAP_BYTES}`);
    const sqliteMappedSelect = mappedDb
      .prepare('SELECT sequence_nr, timestamp, payload FROM raw_snapshots WHERE persistence_id = ? ORDER BY sequence_nr DESC LIMIT 1')
      .raw(true);
    const sqlitePrune = db.prepare('DELETE FROM raw_snapshots WHERE persistence_id = ? AND sequence_nr < ?');
    const pgInsert = `INSERT INTO "${schema}".raw_snapshots (persistence_id, sequence_nr, timestamp_ms, payload) VALUES ($1, $2, $3, $4)`;
    const pgSelect = `SELECT sequence_nr, timestamp_ms, payload FROM "${schema}".raw_snapshots WHERE persistence_id = $1 ORDER BY sequence_nr DESC LIMIT 1`;
    const pgPrune = `DELETE FROM "${schema}".raw_snapshots WHERE persistence_id = $1 AND sequence_nr < $2`;

    for (const kind of KINDS) {
      for (const size of sizes) {
        const state =
          kind === 'bytes'
            ? new Uint8Array(randomBytes(size.bytes))
            : {
                data: randomBytes(Math.ceil((size.bytes * 3) / 4))
                  .toString('base64')
                  .slice(0, size.bytes),
              };
        const serializer = kind === 'json' ? json : bytesSerializer;
        const id = `bench-${kind}-${size.bytes}`;
        const rawKey = (sequenceNr: number) => `raw/${id}/${sequenceNr}`;
        const rawFile = (sequenceNr: number) => join(rawDir, `${id}-${sequenceNr}.bin`);
        const meta = (sequenceNr: number) =>
          new memento.SnapshotMetadata({ persistenceId: id, sequenceNr, timestamp: 1_700_000_000_000 + sequenceNr });
        // Every store and raw side starts with snapshot 1; saves then write 2, 3, ... (warm-up rounds first).
        const seq = (round: number) => round + size.warmup + 2;
        const encoded = serializer.toBinary(state);
        for (const backend of BACKENDS) await warm[backend].save(meta(1), state);
        await fsyncedWrite(rawFile(1), encoded);
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: rawKey(1), Body: encoded, ContentLength: encoded.byteLength }));
        sqliteInsert.run(id, 1, 1_700_000_000_001, encoded);
        await pool.query(pgInsert, [id, 1, 1_700_000_000_001, encoded]);
        const latestRaw = { fs: 1, S3: 1 };
        const pgSelectInlined = pgSelect.replace('$1', sqlLiteral(id));
        const keepTwo = (store: SnapshotStore, sequenceNr: number) =>
          store.deleteMatching(id, new memento.SnapshotSelectionCriteria({ maxSequenceNr: sequenceNr - 2 }));
        const timedThen = async (work: () => Promise<unknown>, after: () => Promise<unknown>) => {
          const started = performance.now();
          await work();
          const ms = performance.now() - started;
          await after();
          return ms;
        };
        const decode = (bytes: Uint8Array) => serializer.fromBinary(bytes);
        const check = (loaded: { snapshot: unknown } | null) => {
          if (!loaded) throw new Error(`no snapshot loaded for ${id}`);
        };
        const contenders: Record<string, (round: number) => Promise<unknown>> = {};
        for (const backend of BACKENDS) {
          contenders[`${backend} save`] = (round) =>
            timedThen(
              () => warm[backend].save(meta(seq(round)), state),
              () => keepTwo(warm[backend], seq(round)),
            );
          contenders[`${backend} load`] = async () => check(await warm[backend].load(id, memento.SnapshotSelectionCriteria.Latest));
          contenders[`${backend} cold load`] = async () => {
            const fresh = makeStore[backend]();
            const started = performance.now();
            check(await fresh.load(id, memento.SnapshotSelectionCriteria.Latest));
            const ms = performance.now() - started;
            await fresh.close();
            return ms;
          };
        }
        // Raw saves write the next number and prune all but the two newest, untimed; raw loads read the newest.
        Object.assign(contenders, {
          'fs raw save': (round: number) =>
            timedThen(
              () => fsyncedWrite(rawFile(seq(round)), serializer.toBinary(state)),
              async () => {
                await unlink(rawFile(seq(round) - 2)).catch(() => {});
                latestRaw.fs = seq(round);
              },
            ),
          'fs raw load: readFile + serializer.fromBinary': async () => decode(await readFile(rawFile(latestRaw.fs))),
          'fs raw load: open, fstat, one read of the whole size, close (node:fs callbacks) + serializer.fromBinary': async () =>
            decode(await readAtOnce(rawFile(latestRaw.fs))),
          'S3 raw save': (round: number) =>
            timedThen(
              () => {
                const body = serializer.toBinary(state);
                return client.send(
                  new PutObjectCommand({ Bucket: bucket, Key: rawKey(seq(round)), Body: body, ContentLength: body.byteLength }),
                );
              },
              async () => {
                await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: rawKey(seq(round) - 2) }));
                latestRaw.S3 = seq(round);
              },
            ),
          'S3 raw load: GetObject + Body.transformToByteArray() + serializer.fromBinary': async () => {
            const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: rawKey(latestRaw.S3) }));
            decode((await response.Body?.transformToByteArray()) as Uint8Array);
          },
          'S3 raw load: GetObject + body chunks copied into one buffer of ContentLength + serializer.fromBinary': async () => {
            const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: rawKey(latestRaw.S3) }));
            decode(await readInto(response.Body as unknown as AsyncIterable<Uint8Array>, response.ContentLength));
          },
          'SQLite raw save': (round: number) =>
            timedThen(
              async () => sqliteInsert.run(id, seq(round), 1_700_000_000_000 + seq(round), serializer.toBinary(state)),
              async () => sqlitePrune.run(id, seq(round) - 1),
            ),
          'SQLite raw load: better-sqlite3 SELECT of the newest row (.raw) + serializer.fromBinary': async () =>
            decode((sqliteSelect.get(id) as [number, number, Uint8Array])[2]),
          'SQLite raw load: better-sqlite3 SELECT of the newest row (.raw) on a connection with PRAGMA mmap_size = 256 MiB + serializer.fromBinary':
            async () => decode((sqliteMappedSelect.get(id) as [number, number, Uint8Array])[2]),
          'PostgreSQL raw save': (round: number) =>
            timedThen(
              () => pool.query(pgInsert, [id, seq(round), 1_700_000_000_000 + seq(round), serializer.toBinary(state)]),
              () => pool.query(pgPrune, [id, seq(round) - 1]),
            ),
          'PostgreSQL raw load: pg SELECT of the newest row, text result format + serializer.fromBinary': async () => {
            const { rows: found } = await pool.query({ text: pgSelect, values: [id], rowMode: 'array' });
            decode((found[0] as unknown as [string, string, Uint8Array])[2]);
          },
          'PostgreSQL raw load: pg SELECT of the newest row, binary result format (id inlined) + serializer.fromBinary': async () => {
            const { rows: found } = await pool.query({ text: pgSelectInlined, rowMode: 'array', binary: true } as never);
            decode((found[0] as unknown as [unknown, unknown, Uint8Array])[2]);
          },
          // Named statements: parsed and planned once per pooled connection, as our stores' preparedStatements.
          'PostgreSQL raw load: pg SELECT of the newest row as a named prepared statement, text result format + serializer.fromBinary':
            async () => {
              const { rows: found } = await sendStatement(pool, { text: pgSelect, values: [id] }, true, 'array');
              decode((found[0] as unknown as [string, string, Uint8Array])[2]);
            },
        });
        for (const name of Object.keys(contenders).filter((key) => key.includes(' load'))) {
          const once = contenders[name] as (round: number) => Promise<unknown>;
          contenders[name] = async (round) => {
            let total = 0;
            for (let load = 0; load < size.loadBatch; load++) {
              const started = performance.now();
              const own = await once(round);
              total += typeof own === 'number' ? own : performance.now() - started;
            }
            return total / size.loadBatch;
          };
        }
        log(`snapshots: ${kind} ${size.label}, ${Object.keys(contenders).length} contenders x ${rounds} rounds`);
        const samples = await interleave(contenders, { rounds, warmup: size.warmup, seed: size.bytes + (kind === 'json' ? 1 : 2) });
        for (const backend of BACKENDS) {
          const loadPrefix = `${backend} raw load: `;
          const loadRaw = rankStrategies(
            Object.fromEntries(
              Object.entries(samples)
                .filter(([name]) => name.startsWith(loadPrefix))
                .map(([name, values]) => [name.slice(loadPrefix.length), values]),
            ),
            false,
          );
          const saveRawName =
            backend === 'fs'
              ? 'serializer.toBinary + write, fsync, rename, directory fsync'
              : backend === 'S3'
                ? 'serializer.toBinary + raw PutObject'
                : `serializer.toBinary + raw ${backend === 'SQLite' ? 'better-sqlite3 INSERT (synchronous=FULL)' : 'pg INSERT'}`;
          const row = (
            operation: string,
            ours: readonly number[],
            reference: readonly number[],
            referenceName: string,
            target: boolean,
          ): Row => {
            const o = stats(ours);
            const r = stats(reference);
            const ratio = o.median / r.median;
            const paired = pairedRatio(ours, reference);
            return {
              name: `${backend} ${operation} ${size.label} ${kind}`,
              ours: o.median,
              reference: r.median,
              referenceName,
              unit: 'ms',
              ratio,
              ratioNote: 'ours / raw (time; lower is better)',
              oursStats: o,
              referenceStats: r,
              extra: `paired per round ${paired.toFixed(2)}x`,
              ...(target ? { target: TARGET, met: ratio <= 1.3 } : {}),
            };
          };
          const bestLoad = loadRaw[0] as (typeof loadRaw)[number];
          const bestLoadSamples = samples[`${loadPrefix}${bestLoad.name}`] ?? [];
          rows.push(row('save', samples[`${backend} save`] ?? [], samples[`${backend} raw save`] ?? [], saveRawName, false));
          const raw = `best raw: ${bestLoad.name}`;
          rows.push({ ...row('load, warm', samples[`${backend} load`] ?? [], bestLoadSamples, raw, true), strategies: loadRaw });
          rows.push({
            ...row('load, cold (new store object)', samples[`${backend} cold load`] ?? [], bestLoadSamples, raw, true),
            strategies: loadRaw,
          });
        }
        log(
          `snapshots: ${kind} ${size.label}: ${BACKENDS.map((b) => `${b} load ${formatValue(stats(samples[`${b} load`] ?? []).median, 'ms')} ms`).join(', ')}`,
        );
      }
    }
    db.close();
    mappedDb.close();
    for (const backend of BACKENDS) await warm[backend].close();
  } finally {
    client.destroy();
    storeClient.destroy();
    await server.stop();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
    await rm(directory, { recursive: true, force: true });
  }
  return {
    id: 'snapshots',
    title: 'Snapshot save and load',
    settings: {
      sizes: sizes.map((s) => s.label),
      warmup: sizes.map((s) => s.warmup),
      loadBatch: sizes.map((s) => s.loadBatch),
      kinds: KINDS,
      rounds,
      compression: false,
    },
    rows,
    notes: [
      `Every row: ${rounds} rounds; in each round every contender of that state (ours and raw, save and load, every backend) runs once in a new random order, after untimed warm-up rounds (${sizes.map((s) => `${s.warmup} for ${s.label}`).join(', ')}: with a single one, a 1 KB load timed V8 compiling the longer of the two code paths, ours, rather than running it). min / median / max in brackets; "paired per round" is the median of the per-round ratios (both sides saw the same moment of the machine). Loads of ${sizes.map((s) => `${s.label}: ${s.loadBatch}`).join(', ')} per sample, back to back, reported per load (ours and raw alike; each cold load a new store object): one 1 KB load timed alone measured the CPU caches the previous contender left behind more than the load.`,
      'JSON states are an object holding a random base64 string of the given size (what a recorder stores); bytes states are a Uint8Array, stored verbatim by the bytes serializer. Compression off (random data does not compress).',
      'Ours: the store through dist/, including its envelope, checksum and (S3, fs) frame; an S3 load GETs the head object of the id, which names the newest snapshot and copies it up to headCopyMaxBytes (2 MiB by default: the 1 KB and 1 MB states load with one GET; a larger one is then a second GET), and lists only when there is no usable head. Warm load: the store object that saved the snapshot. Cold load: a new store object per load, sharing the S3 client, the PostgreSQL pool or the SQLite connection of the process (as after a restart of the store, not of the process).',
      "References do the same job by hand with the bare driver and the serializer's own codec, no envelope: load = fetch the serializer's bytes (S3: the faster of two ways to read the body; SQLite: the faster of two connections; PostgreSQL: the fastest of an unnamed SELECT with text or binary results and a named prepared SELECT; all listed (pg 8 fails reading binary results of a named statement it has prepared: `buffer.readInt32BE is not a function`)) + `fromBinary`; save = `toBinary` + write. The same raw load is the reference of both the warm and the cold row. Saves are followed, untimed, by deleting all but the two newest snapshots (ours: deleteMatching; raw: DELETE / DeleteObject / unlink).",
      `SQLite: our stores open the file with mmapBytes = ${SQLITE_MMAP_BYTES} (PRAGMA mmap_size, 256 MiB), and the raw reference is the faster of a plain connection and one with the same PRAGMA mmap_size (both listed): our best mode against the driver's best. Memory-mapped reads are opt-in (an I/O error on a mapped file kills the process; docs/sqlite.md).`,
      'S3 is a private s3rver (loopback) started by the benchmark; the stores get a client with maxAttempts: 1 (docs/s3.md).',
      "PostgreSQL: our store runs with preparedStatements: true (named prepared statements, parsed once per pooled connection; off by default because PgBouncer before 1.21 in transaction pooling cannot keep them, docs/postgres.md), and the raw strategies include named prepared statements: our best mode against the driver's best.",
    ],
  };
}
