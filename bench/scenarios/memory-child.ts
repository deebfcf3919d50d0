/**
 * Child process of the memory scenario: replays one history (MEMORY_PASSES times, default
 * once) and prints, as JSON, the RSS before the replay and the peak RSS sampled during it.
 * Usage: memory-child.ts sqlite <file> <persistenceId> | postgres <url> <schema> <persistenceId>
 * @module
 */
import { loadPostgres, loadSqlite, POSTGRES_STORE_OPTIONS, pg } from './common.js';

const [kind, a, b, c] = process.argv.slice(2) as [string, string, string, string | undefined];
const gc = (globalThis as { gc?: () => void }).gc;
let journal: { replay(id: string, from: number, to: number): AsyncIterable<unknown>; close(): Promise<void> };
let id: string;
let pool: { end(): Promise<void> } | undefined;
if (kind === 'sqlite') {
  const sqlite = await loadSqlite();
  const j = new sqlite.SqliteJournal(a);
  await j.ready();
  journal = j;
  id = b;
  // Warm the statements and the code path so the baseline includes them, as for PostgreSQL.
  for await (const _ of journal.replay(id, 1, 10)) void _;
} else {
  const postgres = await loadPostgres();
  const p = new pg.Pool({ connectionString: a, max: 2 });
  pool = p;
  journal = new postgres.PostgresJournal({ ...POSTGRES_STORE_OPTIONS, pool: p, schema: b });
  id = c as string;
  // Warm the connection and the code path so the baseline includes them.
  for await (const _ of journal.replay(id, 1, 10)) void _;
}
gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const sample = () => {
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
};
const timer = setInterval(sample, 5);
let events = 0;
for (let pass = 0; pass < Number(process.env.MEMORY_PASSES ?? 1); pass++) {
  for await (const _ of journal.replay(id, 1, Number.POSITIVE_INFINITY)) {
    if (++events % 1000 === 0) sample();
  }
}
sample();
clearInterval(timer);
await journal.close();
await pool?.end();
console.log(JSON.stringify({ before, peak, events }));
