/**
 * eventsBySlices on PostgreSQL (docs/scaling.md, "Measured"): 100,000 events over 1,000 ids
 * (`counter|0` .. `counter|999`, 100 events each, written 10 per AtomicWrite), then the whole
 * entity type read by slices 0-1023 and the first of `sliceRanges(4)`, pages of 500, twice.
 * Run: `npx tsx bench/slices.ts` (needs the local PostgreSQL; uses and drops schema
 * `memento_bench_slices`).
 */
import pg from 'pg';
import { createReadJournal, NoOffset, sliceOf, sliceRanges } from '../src/index.js';
import { migrate, PostgresJournal } from '../src/postgres/index.js';

const pool = new pg.Pool({ connectionString: process.env.MEMENTO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test', max: 4 });
const schema = 'memento_bench_slices';
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await migrate({ pool, schema });
const journal = new PostgresJournal({ pool, schema });
const ids = Array.from({ length: 1000 }, (_, index) => `counter|${index}`);
let started = performance.now();
for (let first = 1; first <= 100; first += 10) {
  await journal.write(
    ids.map((persistenceId) => ({
      persistenceId,
      events: Array.from({ length: 10 }, (_, index) => ({
        persistenceId,
        sequenceNr: first + index,
        event: { n: first + index },
        timestamp: 1,
      })),
    })),
  );
}
console.log(`append 100,000 events: ${Math.round(performance.now() - started)} ms`);
await pool.query(`ANALYZE ${schema}.memento_journal`);
const queries = createReadJournal(journal, { pageSize: 500 });
const quarter = sliceRanges(4)[0] as { minSlice: number; maxSlice: number };
const inQuarter = ids.filter((id) => sliceOf(id) <= quarter.maxSlice).length;
console.log(`ids in slices ${quarter.minSlice}-${quarter.maxSlice}: ${inQuarter} of ${ids.length}`);
for (const round of [1, 2]) {
  for (const range of [{ minSlice: 0, maxSlice: 1023 }, quarter]) {
    started = performance.now();
    let count = 0;
    for await (const _ of queries.eventsBySlices('counter', range.minSlice, range.maxSlice, NoOffset)) count++;
    const ms = performance.now() - started;
    console.log(
      `round ${round}, slices ${range.minSlice}-${range.maxSlice}: ${count} events in ${Math.round(ms)} ms (${Math.round((count / ms) * 1000)} events/s)`,
    );
  }
}
await journal.close();
await pool.query(`DROP SCHEMA ${schema} CASCADE`);
await pool.end();
