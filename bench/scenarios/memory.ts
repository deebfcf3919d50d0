/**
 * Scenario 5: peak RSS while replaying a long history, in a child process sampling
 * process.memoryUsage().rss, against the RSS before the replay. Replays of two lengths
 * show whether memory follows the page size (bounded) or the history.
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

async function child(args: string[], heapCapMb?: number): Promise<{ before: number; peak: number; events: number }> {
  const script = join(root, 'bench', 'scenarios', 'memory-child.ts');
  const flags = ['--expose-gc', ...(heapCapMb ? [`--max-old-space-size=${heapCapMb}`] : []), '--import', 'tsx'];
  const { stdout } = await run(process.execPath, [...flags, script, ...args], { cwd: root, maxBuffer: 1 << 20 });
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
    if (deltas.length >= 2) {
      const small = deltas[0] as { events: number; deltaMb: number };
      const large = deltas[deltas.length - 1] as { events: number; deltaMb: number };
      // Bounded: a history 10x+ longer must not grow the replay's footprint much (1.5x, or within 16 MB of noise).
      const bounded = large.deltaMb <= Math.max(small.deltaMb * 1.5, small.deltaMb + 16);
      rows.push({
        name: `${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'} RSS growth, ${large.events.toLocaleString('en-US')} vs ${small.events.toLocaleString('en-US')} events`,
        ours: large.deltaMb,
        reference: small.deltaMb,
        referenceName: `RSS growth replaying ${small.events.toLocaleString('en-US')} events`,
        unit: 'MB',
        ratio: small.deltaMb > 0 ? large.deltaMb / small.deltaMb : Number.NaN,
        ratioNote: 'growth(large) / growth(small)',
        target: 'bounded by the page size, not the history',
        met: bounded,
      });
    }
  }
  notes.push(
    `Each figure is the median of ${rounds} child processes (node --expose-gc, gc() before the baseline) replaying the history with the default page size (SQLite 1000 events, PostgreSQL 5000), sampling RSS every 5 ms and every 1000 events.`,
  );
  return { id: 'memory', title: 'Peak memory (RSS) during replay', settings: { sizes, rounds }, rows, notes };
}
