/**
 * Scenario: does recovery leave the event loop to the rest of the process? One entity
 * recovers the longest replay history (no snapshots) through the runtime over SqliteJournal,
 * whose pages are read synchronously, while a 10 ms `setInterval` records the gaps between
 * its ticks. The paced recovery (the default, a turn of the event loop at least every 10 ms)
 * runs against the same recovery with pacing off (`yieldEveryMs: Infinity`, the behaviour
 * before issue 17), in interleaved rounds: the longest gap and the replay time, as ratios.
 * @module
 */
import { type BenchSettings, interleave, loadMemento, loadSqlite, type Row, type ScenarioResult, stats } from './common.js';
import { counterEntity, stateAt } from './entity.js';
import type { Fixtures } from './fixtures.js';

const INTERVAL_MS = 10;
const GAP_TARGET_MS = 50;

export async function runResponsivenessScenario(settings: BenchSettings, fixtures: Fixtures): Promise<ScenarioResult> {
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const events = settings.replayEvents;
  const gaps = { paced: [] as number[], unpaced: [] as number[] };
  // CPU time this process used within each round's longest gap: on a loaded machine a gap
  // far longer than its CPU time was the scheduler's, not the replay's.
  const gapCpu = { paced: [] as number[], unpaced: [] as number[] };
  // The most CPU time used between any two ticks: a bound on the longest stretch the
  // process itself held the event loop (GC threads included), whatever the scheduler did.
  const busiestCpu = { paced: [] as number[], unpaced: [] as number[] };

  const recoverOnce = async (mode: 'paced' | 'unpaced', round: number): Promise<number> => {
    const journal = new sqlite.SqliteJournal(fixtures.sqliteFile);
    await journal.ready();
    const persistence = memento.createPersistence({ journal, snapshotStore: new memento.MemorySnapshotStore() });
    const definition = counterEntity(memento, mode === 'unpaced' ? { recovery: { yieldEveryMs: Number.POSITIVE_INFINITY } } : {});
    let lastTick = performance.now();
    let lastCpu = process.cpuUsage();
    let longest = 0;
    let longestCpu = 0;
    let busiest = 0;
    const tick = () => {
      const now = performance.now();
      const used = process.cpuUsage(lastCpu);
      const cpu = (used.user + used.system) / 1000;
      if (now - lastTick > longest) {
        longest = now - lastTick;
        longestCpu = cpu;
      }
      busiest = Math.max(busiest, cpu);
      lastTick = now;
      lastCpu = process.cpuUsage();
    };
    const interval = setInterval(tick, INTERVAL_MS);
    const started = performance.now();
    const value: unknown = await persistence.entity(definition, `h-${events}`).ask({ type: 'get' });
    const ended = performance.now();
    clearInterval(interval);
    // The stretch from the last tick to the reply counts too: an interval that never ticked waited all of it.
    tick();
    await persistence.close();
    if (value !== stateAt(events)) throw new Error(`recovered ${String(value)}, expected ${stateAt(events)}`);
    if (round >= 0) {
      gaps[mode].push(longest);
      gapCpu[mode].push(longestCpu);
      busiestCpu[mode].push(busiest);
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
      extra: `CPU time of this process within the longest gap: median ${stats(gapCpu.paced).median.toFixed(1)} ms paced, ${stats(gapCpu.unpaced).median.toFixed(1)} ms unpaced; most CPU time between two ticks (the longest stretch the process itself held the loop): median ${stats(busiestCpu.paced).median.toFixed(1)} ms paced, ${stats(busiestCpu.unpaced).median.toFixed(1)} ms unpaced`,
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
      target: '<= 1.10x the unpaced recovery',
      met: timePaced.median / timeUnpaced.median <= 1.1,
    },
  ];
  settings.log(
    `responsiveness: longest gap ${gapPaced.median.toFixed(1)} ms paced, ${gapUnpaced.median.toFixed(1)} ms unpaced; most CPU between ticks ${stats(busiestCpu.paced).median.toFixed(1)} ms paced; time ${timePaced.median.toFixed(0)} / ${timeUnpaced.median.toFixed(0)} ms`,
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
