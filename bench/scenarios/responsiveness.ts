/**
 * Scenario: does recovery leave the event loop to the rest of the process? One entity
 * recovers the longest replay history (no snapshots) through the runtime over SqliteJournal,
 * whose pages are read synchronously, while a 10 ms `setInterval` records the gaps between
 * its ticks. The paced recovery (the default, a turn of the event loop at least every 10 ms)
 * runs against the same recovery with pacing off (`yieldEveryMs: Infinity`, the behaviour
 * before issue 17), in interleaved rounds: the longest gap and the replay time, as ratios.
 * Beside them, the main thread's CPU time (within the longest gap, between any two ticks,
 * for the whole recovery) tells the replay's own stretches from a loaded machine's waits.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { type BenchSettings, interleave, loadMemento, loadSqlite, type Row, type ScenarioResult, stats } from './common.js';
import { counterEntity, stateAt } from './entity.js';
import type { Fixtures } from './fixtures.js';

const INTERVAL_MS = 10;
const GAP_TARGET_MS = 50;

/** Where {@link threadClock} reads from: the main thread's own counters where Linux offers them. */
const SCHEDSTAT = '/proc/thread-self/schedstat';
const CLOCK_SOURCE = existsSync(SCHEDSTAT) ? 'main-thread' : 'process';

/**
 * CPU time of the calling (main) thread and its time waiting for a CPU, in ms, from Linux's
 * schedstat; elsewhere the whole process's CPU time (GC threads included) and no wait.
 */
function threadClock(): { cpuMs: number; waitMs: number } {
  if (CLOCK_SOURCE === 'main-thread') {
    const [run, wait] = readFileSync(SCHEDSTAT, 'utf8').split(' ');
    return { cpuMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
  }
  const used = process.cpuUsage();
  return { cpuMs: (used.user + used.system) / 1000, waitMs: Number.NaN };
}

const median = (values: readonly number[]): string => stats(values).median.toFixed(1);

export async function runResponsivenessScenario(settings: BenchSettings, fixtures: Fixtures): Promise<ScenarioResult> {
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const events = settings.replayEvents;
  const gaps = { paced: [] as number[], unpaced: [] as number[] };
  // Within each round's longest gap: CPU time of the main thread, and time it waited for a
  // CPU (run queue). On a loaded machine a gap far longer than its CPU time was the
  // scheduler's, not the replay's.
  const gapCpu = { paced: [] as number[], unpaced: [] as number[] };
  const gapWait = { paced: [] as number[], unpaced: [] as number[] };
  // The most main-thread CPU time between any two ticks: the longest stretch the process
  // itself held the event loop, whatever the scheduler did.
  const busiestCpu = { paced: [] as number[], unpaced: [] as number[] };
  // Main-thread CPU time of the whole recovery: its cost, which machine load barely changes.
  const recoveryCpu = { paced: [] as number[], unpaced: [] as number[] };

  const recoverOnce = async (mode: 'paced' | 'unpaced', round: number): Promise<number> => {
    const journal = new sqlite.SqliteJournal(fixtures.sqliteFile);
    await journal.ready();
    const persistence = memento.createPersistence({ journal, snapshotStore: new memento.MemorySnapshotStore() });
    const definition = counterEntity(memento, mode === 'unpaced' ? { recovery: { yieldEveryMs: Number.POSITIVE_INFINITY } } : {});
    let lastTick = performance.now();
    let last = threadClock();
    let longest = 0;
    let longestCpu = 0;
    let longestWait = 0;
    let busiest = 0;
    const tick = () => {
      const now = performance.now();
      const clock = threadClock();
      const cpu = clock.cpuMs - last.cpuMs;
      if (now - lastTick > longest) {
        longest = now - lastTick;
        longestCpu = cpu;
        longestWait = clock.waitMs - last.waitMs;
      }
      busiest = Math.max(busiest, cpu);
      lastTick = now;
      last = clock;
    };
    const interval = setInterval(tick, INTERVAL_MS);
    const first = threadClock();
    const started = performance.now();
    const value: unknown = await persistence.entity(definition, `h-${events}`).ask({ type: 'get' });
    const ended = performance.now();
    const cpuUsed = threadClock().cpuMs - first.cpuMs;
    clearInterval(interval);
    // The stretch from the last tick to the reply counts too: an interval that never ticked waited all of it.
    tick();
    await persistence.close();
    if (value !== stateAt(events)) throw new Error(`recovered ${String(value)}, expected ${stateAt(events)}`);
    if (round >= 0) {
      gaps[mode].push(longest);
      gapCpu[mode].push(longestCpu);
      gapWait[mode].push(longestWait);
      busiestCpu[mode].push(busiest);
      recoveryCpu[mode].push(cpuUsed);
    }
    return ended - started;
  };

  const samples = await interleave(
    { paced: (round) => recoverOnce('paced', round), unpaced: (round) => recoverOnce('unpaced', round) },
    { rounds: settings.rounds },
  );
  const gapPaced = stats(gaps.paced);
  const gapUnpaced = stats(gaps.unpaced);
  const timePaced = stats(samples.paced);
  const timeUnpaced = stats(samples.unpaced);
  const count = events.toLocaleString('en-US');
  const rows: Row[] = [
    {
      name: `longest gap between ticks of a ${INTERVAL_MS} ms interval while ${count} events recover (paced, the default)`,
      ours: gapPaced.median,
      reference: gapUnpaced.median,
      referenceName: 'same recovery with yieldEveryMs: Infinity (no pauses, as before)',
      unit: 'ms',
      ratio: gapPaced.median / gapUnpaced.median,
      ratioNote: 'ours / reference (gap; lower is better)',
      oursStats: gapPaced,
      referenceStats: gapUnpaced,
      extra: `within the longest gap, ${CLOCK_SOURCE} CPU time: median ${median(gapCpu.paced)} ms paced, ${median(gapCpu.unpaced)} ms unpaced; waiting for a CPU: ${median(gapWait.paced)} ms paced, ${median(gapWait.unpaced)} ms unpaced; most ${CLOCK_SOURCE} CPU time between two ticks (the longest stretch the process itself held the loop): ${median(busiestCpu.paced)} ms paced, ${median(busiestCpu.unpaced)} ms unpaced`,
      target: `< ${GAP_TARGET_MS} ms`,
      met: gapPaced.median < GAP_TARGET_MS,
    },
    {
      name: `recovery of ${count} events, paced (time to the first reply)`,
      ours: timePaced.median,
      reference: timeUnpaced.median,
      referenceName: 'same recovery with yieldEveryMs: Infinity',
      unit: 'ms',
      ratio: timePaced.median / timeUnpaced.median,
      ratioNote: 'ours / reference (time; lower is better; 1.10 = 10% slower)',
      oursStats: timePaced,
      referenceStats: timeUnpaced,
      extra: `${CLOCK_SOURCE} CPU time of the recovery: median ${median(recoveryCpu.paced)} ms paced, ${median(recoveryCpu.unpaced)} ms unpaced (${(stats(recoveryCpu.paced).median / stats(recoveryCpu.unpaced).median).toFixed(2)}x; machine load changes it far less than the time)`,
      target: '<= 1.10x the unpaced recovery',
      met: timePaced.median / timeUnpaced.median <= 1.1,
    },
  ];
  settings.log(
    `responsiveness: longest gap ${gapPaced.median.toFixed(1)} ms paced, ${gapUnpaced.median.toFixed(1)} ms unpaced; most CPU between ticks ${median(busiestCpu.paced)} ms paced; time ${timePaced.median.toFixed(0)} / ${timeUnpaced.median.toFixed(0)} ms`,
  );
  return {
    id: 'responsiveness',
    title: 'Event loop during recovery (SQLite)',
    settings: { events, intervalMs: INTERVAL_MS, rounds: settings.rounds },
    rows,
    notes: [
      `One entity recovers a ${count}-event history with no snapshot through createPersistence over SqliteJournal (journal open before the clock starts), while a ${INTERVAL_MS} ms setInterval records the longest time between two ticks (and from the last tick to the reply). Paced and unpaced recoveries alternate in a new random order each round after a warm-up round; medians of ${settings.rounds} rounds.`,
    ],
  };
}
