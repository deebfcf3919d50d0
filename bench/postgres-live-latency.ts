import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate, PostgresJournal } from '../src/postgres/index.js';
import { createReadJournal } from '../src/query/index.js';
import { atomicWrite } from '../src/tck/index.js';
import { startPgBouncer } from '../test/postgres/servers.js';

const PG_URL = process.env.MEMENTO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.env.N ?? 100);
const bouncer = await startPgBouncer(PG_URL, 'transaction');
const schema = `memento_bench_live_${randomUUID().slice(0, 8)}`;
const pool = new pg.Pool({ connectionString: bouncer.url, max: 4 });
pool.on('error', () => {});
await migrate({ pool, schema });
const direct = new pg.Pool({ connectionString: PG_URL, max: 4 });
async function measure(label: string, listen?: { connectionString: string }, via: pg.Pool = pool) {
  const journal = new PostgresJournal({ pool: via, schema, listen, logger: false });
  const queries = createReadJournal(journal); // default poll intervals, as an application would
  const tag = `lat-${randomUUID()}`;
  const controller = new AbortController();
  const arrivals = new Map<string, () => void>();
  const reading = (async () => {
    for await (const e of queries.eventsByTag(tag, { type: 'none' }, { live: true, signal: controller.signal }))
      arrivals.get(e.persistenceId)?.();
  })().catch(() => {});
  await new Promise((r) => setTimeout(r, 3000)); // the query goes idle: its poll backs off to the longest interval
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const pid = `${tag}-${i}`;
    const seen = new Promise<void>((r) => arrivals.set(pid, r));
    const w = atomicWrite(pid, 1);
    const start = performance.now();
    await journal.write([{ ...w, events: w.events.map((e) => ({ ...e, tags: [tag] })) }]);
    await seen;
    times.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 20 + (i % 5) * 50));
  }
  controller.abort();
  await reading;
  await journal.close();
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(
    `${label}: n=${N} write-to-delivery p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${times.at(-1)!.toFixed(1)} ms`,
  );
}
try {
  await measure('direct (no PgBouncer)', undefined, direct);
  await measure('via PgBouncer (transaction), LISTEN direct (listen.connectionString)', { connectionString: PG_URL });
  await measure('via PgBouncer (transaction), LISTEN through the pooler (probe warns; polling)');
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await pool.end();
  await direct.end();
  await bouncer.stop();
}
