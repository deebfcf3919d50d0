/**
 * Scenario 3: recovery through the entity runtime (createPersistence + defineEntity over
 * SqliteJournal and SqliteSnapshotStore) of histories that end between snapshots: for each
 * size n, histories of n + 999 and n + 500 events with a snapshot at every multiple of 1000,
 * so recovery loads the snapshot at n and replays a tail of 999 or 500 events; and the
 * same histories without snapshots (a replay of every event). The events each recovery
 * replays are counted once per history (untimed) and reported next to its time.
 * @module
 */
import { join } from 'node:path';
import type { Journal, PersistentRepr } from '../../src/index.js';
import { type BenchSettings, interleave, loadMemento, loadSqlite, type Row, type ScenarioResult, type Stats, stats } from './common.js';
import { counterEntity, stateAt } from './entity.js';
import { type Fixtures, historyId } from './fixtures.js';

/** Tails after the last snapshot: a history of n + tail events for each size n. */
export const RECOVERY_TAILS = [999, 500] as const;
const SNAPSHOT_EVERY = 1000;

/** History lengths the recovery scenario needs in the fixtures. */
export const recoveryLengths = (sizes: readonly number[]): number[] => sizes.flatMap((n) => RECOVERY_TAILS.map((tail) => n + tail));

export interface RecoveryPoint {
  /** The size n; the history holds n + tail events. */
  readonly size: number;
  readonly tail: number;
  readonly events: number;
  readonly withSnapshots: Stats;
  readonly withoutSnapshots: Stats;
  /** Events replayed by a recovery from the latest snapshot (counted). */
  readonly replayedWithSnapshots: number;
  readonly replayedWithoutSnapshots: number;
}

/** A journal that counts the events its replays yield (used untimed, to report what a recovery replays). */
function counting(journal: Journal): { journal: Journal; count: () => number } {
  let count = 0;
  const wrapped: Journal = {
    write: (writes) => journal.write(writes),
    highestSequenceNr: (id, from) => journal.highestSequenceNr(id, from),
    deleteTo: (id, to) => journal.deleteTo(id, to),
    close: () => journal.close(),
    async *replay(id, from, to, max): AsyncIterable<PersistentRepr> {
      for await (const repr of journal.replay(id, from, to, max)) {
        count++;
        yield repr;
      }
    },
  };
  return { journal: wrapped, count: () => count };
}

export async function runRecoveryScenario(settings: BenchSettings, fixtures: Fixtures, dir: string): Promise<ScenarioResult> {
  const { rounds, log } = settings;
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const snapshotFile = join(dir, 'recovery-snapshots.db');
  const emptyFile = join(dir, 'recovery-no-snapshots.db');
  const lengths = recoveryLengths(settings.recoverySizes);
  const seeder = new sqlite.SqliteSnapshotStore(snapshotFile, { synchronous: 'NORMAL' });
  for (const events of lengths) {
    for (let sequenceNr = SNAPSHOT_EVERY; sequenceNr <= events; sequenceNr += SNAPSHOT_EVERY) {
      await seeder.save(
        new memento.SnapshotMetadata({
          persistenceId: historyId(events),
          sequenceNr,
          timestamp: Date.now(),
          metadata: { memento: { version: 1 } },
        }),
        { value: stateAt(sequenceNr) },
      );
    }
    log(`recovery: ${Math.floor(events / SNAPSHOT_EVERY)} snapshots saved for the ${events}-event history`);
  }
  await seeder.close();

  const recoverOnce = async (events: number, snapshots: string, count?: (journal: Journal) => Journal) => {
    const base = new sqlite.SqliteJournal(fixtures.sqliteFile);
    const snapshotStore = new sqlite.SqliteSnapshotStore(snapshots);
    // Opening the files is not recovery: both are open before the clock starts.
    await base.ready();
    await snapshotStore.ready();
    const persistence = memento.createPersistence({ journal: count ? count(base) : base, snapshotStore });
    const definition = counterEntity(memento);
    const started = performance.now();
    const value: unknown = await persistence.entity(definition, `h-${events}`).ask({ type: 'get' });
    const ms = performance.now() - started;
    await persistence.close();
    if (value !== stateAt(events)) throw new Error(`recovered ${String(value)}, expected ${stateAt(events)}`);
    return ms;
  };
  const replayedBy = async (events: number, snapshots: string) => {
    let counter: (() => number) | undefined;
    await recoverOnce(events, snapshots, (journal) => {
      const wrapped = counting(journal);
      counter = wrapped.count;
      return wrapped.journal;
    });
    return counter?.() ?? Number.NaN;
  };

  // Every history, with and without snapshots, in one set of interleaved rounds: no size
  // always runs first (on colder code) or next to the same neighbour.
  const contenders: Record<string, () => Promise<number>> = {};
  for (const events of lengths) {
    contenders[`${events} with`] = () => recoverOnce(events, snapshotFile);
    contenders[`${events} without`] = () => recoverOnce(events, emptyFile);
  }
  const samples = await interleave(contenders, { rounds });
  const points: RecoveryPoint[] = [];
  for (const size of settings.recoverySizes) {
    for (const tail of RECOVERY_TAILS) {
      const events = size + tail;
      const point: RecoveryPoint = {
        size,
        tail,
        events,
        withSnapshots: stats(samples[`${events} with`] ?? []),
        withoutSnapshots: stats(samples[`${events} without`] ?? []),
        replayedWithSnapshots: await replayedBy(events, snapshotFile),
        replayedWithoutSnapshots: await replayedBy(events, emptyFile),
      };
      points.push(point);
      log(
        `recovery ${events}: with snapshots ${point.withSnapshots.median.toFixed(2)} ms (${point.replayedWithSnapshots} replayed), without ${point.withoutSnapshots.median.toFixed(2)} ms`,
      );
    }
  }
  const rows: Row[] = [];
  const largestSize = Math.max(...settings.recoverySizes);
  for (const tail of RECOVERY_TAILS) {
    const series = points.filter((point) => point.tail === tail);
    const smallest = series[0] as RecoveryPoint;
    for (const point of series) {
      const ratio = point.withSnapshots.median / smallest.withSnapshots.median;
      const isTarget = tail === 999 && point.size === largestSize && point !== smallest && largestSize >= 1_000_000;
      rows.push({
        name: `recover ${point.events.toLocaleString('en-US')} events (n + ${tail}), snapshot every ${SNAPSHOT_EVERY}: ${point.replayedWithSnapshots} events replayed`,
        ours: point.withSnapshots.median,
        reference: smallest.withSnapshots.median,
        referenceName: `recover ${smallest.events.toLocaleString('en-US')} events, snapshot every ${SNAPSHOT_EVERY} (${smallest.replayedWithSnapshots} replayed)`,
        unit: 'ms',
        ratio,
        ratioNote: 'ours / reference (time; lower is better)',
        oursStats: point.withSnapshots,
        referenceStats: smallest.withSnapshots,
        ...(isTarget ? { target: `<= 2x the ${smallest.events.toLocaleString('en-US')}-event recovery`, met: ratio <= 2 } : {}),
      });
    }
  }
  for (const point of points) {
    rows.push({
      name: `recover ${point.events.toLocaleString('en-US')} events, no snapshots: ${point.replayedWithoutSnapshots.toLocaleString('en-US')} events replayed`,
      ours: point.withoutSnapshots.median,
      reference: point.withSnapshots.median,
      referenceName: `same history, snapshot every ${SNAPSHOT_EVERY}`,
      unit: 'ms',
      ratio: point.withoutSnapshots.median / point.withSnapshots.median,
      ratioNote: 'ours / reference (time; lower is better)',
      oursStats: point.withoutSnapshots,
      referenceStats: point.withSnapshots,
    });
  }
  return {
    id: 'recovery',
    title: 'Recovery through the entity runtime (SQLite)',
    settings: { sizes: settings.recoverySizes, tails: RECOVERY_TAILS, snapshotEvery: SNAPSHOT_EVERY, rounds },
    rows,
    notes: [
      `Time from \`persistence.entity(...)\` to the reply of the first command (recovery: snapshot load + replay of the events after it + fold), with the journal and snapshot store open before the clock starts, checked against the expected state. Histories end between snapshots (n + 999 and n + 500 events, a snapshot at every multiple of ${SNAPSHOT_EVERY}), so every recovery with snapshots replays a tail; the events replayed are counted by an untimed recovery through a counting journal.`,
      `Histories are written straight to the journal in batches of 5000 events; snapshots are saved through SqliteSnapshotStore at every multiple of ${SNAPSHOT_EVERY} (the state the entity had there). Without snapshots the entity uses an empty snapshot store. Every history, with and without snapshots, runs once per round in a new random order, after an untimed warm-up round; medians of ${rounds} rounds.`,
    ],
    data: points,
  };
}
