/**
 * Scenario 5: peak RSS while replaying a long history, in a child process sampling
 * process.memoryUsage().rss, against the RSS before the replay. Replays of two lengths, and
 * the longest one twice in one process, show whether memory follows the page size
 * (bounded) or the history.
 * @module
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BenchSettings, median, pgUrl, type Row, root, type ScenarioResult } from './common.js';
import { type Fixtures, historyId } from './fixtures.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
const HEAP_CAP_MB = 32;

async function child(args: string[], heapCapMb?: number, passes = 1): Promise<{ before: number; peak: number; events: number }> {
  const script = join(root, 'bench', 'scenarios', 'memory-child.ts');
  const flags = ['--expose-gc', ...(heapCapMb ? [`--max-old-space-size=${heapCapMb}`] : []), '--import', 'tsx'];
  const env = { ...process.env, MEMORY_PASSES: String(passes) };
  const { stdout } = await run(process.execPath, [...flags, script, ...args], { cwd: root, maxBuffer: 1 << 20, env });
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

export async function runMemoryScenario(settings: BenchSettings, fixtures: Fixtures): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const rounds = Math.max(1, Math.min(3, settings.rounds));
  const sizes = [...settings.memoryEvents].sort((x, y) => x - y);
  for (const store of ['sqlite', 'postgres'] as const) {
    const deltas: { events: number; deltaMb: number }[] = [];
    for (const events of sizes) {
      if (store === 'postgres' && !fixtures.pgLengths.includes(events)) continue;
      const samples: { before: number; peak: number }[] = [];
      for (let round = 0; round < rounds; round++) {
        const args =
          store === 'sqlite'
            ? ['sqlite', fixtures.sqliteFile, historyId(events)]
            : ['postgres', pgUrl(), fixtures.pgSchema, historyId(events)];
        const result = await child(args);
        if (result.events !== events) throw new Error(`child replayed ${result.events} of ${events}`);
        samples.push(result);
      }
      const before = median(samples.map((s) => s.before)) / MB;
      const peak = median(samples.map((s) => s.peak)) / MB;
      deltas.push({ events, deltaMb: peak - before });
      settings.log(`memory ${store} ${events}: RSS before ${before.toFixed(1)} MB, peak ${peak.toFixed(1)} MB`);
      rows.push({
        name: `${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'} peak RSS replaying ${events.toLocaleString('en-US')} events`,
        ours: peak,
        reference: before,
        referenceName: 'RSS before the replay (same process)',
        unit: 'MB',
        ratio: peak / before,
        ratioNote: 'peak / before',
      });
    }
    // A stronger check than RSS (which also holds garbage V8 has not collected yet): the
    // longest replay must finish with the old-space heap capped far below the history's size.
    const largest = sizes.filter((events) => store === 'sqlite' || fixtures.pgLengths.includes(events)).pop();
    if (largest !== undefined) {
      const args =
        store === 'sqlite'
          ? ['sqlite', fixtures.sqliteFile, historyId(largest)]
          : ['postgres', pgUrl(), fixtures.pgSchema, historyId(largest)];
      const outcome = await child(args, HEAP_CAP_MB).then(
        (result) => (result.events === largest ? 'completed' : `replayed only ${result.events} events`),
        (error: Error) => `failed (${error.message.split('\n').find((line) => line.includes('heap')) ?? 'see stderr'})`,
      );
      notes.push(
        `${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: replaying ${largest.toLocaleString('en-US')} events with \`--max-old-space-size=${HEAP_CAP_MB}\` ${outcome}.`,
      );
      settings.log(`memory ${store} ${largest} with a ${HEAP_CAP_MB} MB heap cap: ${outcome}`);
    }
    const label = store === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    if (deltas.length >= 2) {
      const small = deltas[0] as { events: number; deltaMb: number };
      const large = deltas[deltas.length - 1] as { events: number; deltaMb: number };
      rows.push({
        name: `${label} RSS growth, ${large.events.toLocaleString('en-US')} vs ${small.events.toLocaleString('en-US')} events`,
        ours: large.deltaMb,
        reference: small.deltaMb,
        referenceName: `RSS growth replaying ${small.events.toLocaleString('en-US')} events`,
        unit: 'MB',
        ratio: small.deltaMb > 0 ? large.deltaMb / small.deltaMb : Number.NaN,
        ratioNote: 'growth(large) / growth(small)',
      });
    }
    // The bound: V8's heap settles at its working size within a few hundred thousand events,
    // so growth keeps rising from a short replay to a long one even when nothing is retained.
    // Twice the longest history in one process (two replays back to back) against it once
    // shows whether memory follows the history: a bounded replay stays level.
    const longest = deltas[deltas.length - 1];
    if (longest !== undefined) {
      const args =
        store === 'sqlite'
          ? ['sqlite', fixtures.sqliteFile, historyId(longest.events)]
          : ['postgres', pgUrl(), fixtures.pgSchema, historyId(longest.events)];
      const samples: { before: number; peak: number }[] = [];
      for (let round = 0; round < rounds; round++) {
        const result = await child(args, undefined, 2);
        if (result.events !== 2 * longest.events) throw new Error(`child replayed ${result.events} of ${2 * longest.events}`);
        samples.push(result);
      }
      const twiceMb = (median(samples.map((s) => s.peak)) - median(samples.map((s) => s.before))) / MB;
      settings.log(`memory ${store} ${longest.events} twice: RSS growth ${twiceMb.toFixed(1)} MB (once: ${longest.deltaMb.toFixed(1)} MB)`);
      rows.push({
        name: `${label} RSS growth, ${(2 * longest.events).toLocaleString('en-US')} events (the ${longest.events.toLocaleString('en-US')}-event history twice) vs once`,
        ours: twiceMb,
        reference: longest.deltaMb,
        referenceName: `RSS growth replaying it once`,
        unit: 'MB',
        ratio: longest.deltaMb > 0 ? twiceMb / longest.deltaMb : Number.NaN,
        ratioNote: 'growth(twice) / growth(once)',
        target: 'bounded by the page size, not the history (<= 1.2x, or within 8 MB)',
        met: twiceMb <= Math.max(longest.deltaMb * 1.2, longest.deltaMb + 8),
      });
    }
  }
  notes.push(
    `Each figure is the median of ${rounds} child processes (node --expose-gc, gc() before the baseline) replaying the history with the default page size (SQLite 1000 events, PostgreSQL 5000), sampling RSS every 5 ms and every 1000 events.`,
  );
  return { id: 'memory', title: 'Peak memory (RSS) during replay', settings: { sizes, rounds }, rows, notes };
}
