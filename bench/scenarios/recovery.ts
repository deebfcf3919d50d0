/**
 * Scenario 3: recovery through the entity runtime (createPersistence + defineEntity over
 * SqliteJournal and SqliteSnapshotStore) of entities with histories of 1k, 100k and 1M
 * events, with a snapshot every 1000 events and without snapshots. Histories are written
 * straight to the journal (fixtures.ts); snapshots through the snapshot store at every
 * multiple of 1000, with the state the entity itself would have had there.
 * @module
 */
import { join } from 'node:path';
import { counterEntity } from './append.js';
import { type BenchSettings, loadMemento, loadSqlite, median, type Row, type ScenarioResult, timed } from './common.js';
import { type Fixtures, historyId } from './fixtures.js';

/** The counter's state after events 1..n (each adds sequenceNr % 5). */
const stateAt = (n: number) => {
  const full = Math.floor(n / 5);
  let value = full * 10;
  for (let k = full * 5 + 1; k <= n; k++) value += k % 5;
  return value;
};

export interface RecoveryPoint {
  readonly events: number;
  readonly withSnapshotsMs: number;
  readonly withoutSnapshotsMs: number;
}

export async function runRecoveryScenario(settings: BenchSettings, fixtures: Fixtures, dir: string): Promise<ScenarioResult> {
  const { rounds, log } = settings;
  const memento = await loadMemento();
  const sqlite = await loadSqlite();
  const snapshotFile = join(dir, 'recovery-snapshots.db');
  const emptyFile = join(dir, 'recovery-no-snapshots.db');
  const seeder = new sqlite.SqliteSnapshotStore(snapshotFile, { synchronous: 'NORMAL' });
  for (const events of settings.recoverySizes) {
    for (let sequenceNr = 1000; sequenceNr <= events; sequenceNr += 1000) {
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
    log(`recovery: ${Math.floor(events / 1000)} snapshots saved for the ${events}-event history`);
  }
  await seeder.close();

  const recoverOnce = async (events: number, snapshots: string) => {
    const journal = new sqlite.SqliteJournal(fixtures.sqliteFile);
    const snapshotStore = new sqlite.SqliteSnapshotStore(snapshots);
    await journal.ready();
    const persistence = memento.createPersistence({ journal, snapshotStore });
    const definition = counterEntity(memento);
    let value: unknown;
    const ms = await timed(async () => {
      value = await persistence.entity(definition, `h-${events}`).ask({ type: 'get' });
    });
    await persistence.close();
    if (value !== stateAt(events)) throw new Error(`recovered ${String(value)}, expected ${stateAt(events)}`);
    return ms;
  };

  // One untimed recovery first, so that no size pays for loading the code paths.
  await recoverOnce(settings.recoverySizes[0] as number, snapshotFile);
  await recoverOnce(settings.recoverySizes[0] as number, emptyFile);
  const points: RecoveryPoint[] = [];
  for (const events of settings.recoverySizes) {
    const withSnapshots: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < rounds; round++) {
      withSnapshots.push(await recoverOnce(events, snapshotFile));
      without.push(await recoverOnce(events, emptyFile));
    }
    points.push({ events, withSnapshotsMs: median(withSnapshots), withoutSnapshotsMs: median(without) });
    log(`recovery ${events}: with snapshots ${median(withSnapshots).toFixed(2)} ms, without ${median(without).toFixed(2)} ms`);
  }
  const smallest = points[0] as RecoveryPoint;
  const rows: Row[] = [];
  for (const point of points) {
    const isLargest = point === points[points.length - 1] && point.events >= 1_000_000;
    rows.push({
      name: `recover ${point.events.toLocaleString('en-US')} events, snapshot every 1000`,
      ours: point.withSnapshotsMs,
      reference: smallest.withSnapshotsMs,
      referenceName: `recover ${smallest.events.toLocaleString('en-US')} events, snapshot every 1000`,
      unit: 'ms',
      ratio: point.withSnapshotsMs / smallest.withSnapshotsMs,
      ratioNote: 'ours / reference (time; lower is better)',
      ...(isLargest
        ? { target: `<= 2x the ${smallest.events}-event recovery`, met: point.withSnapshotsMs / smallest.withSnapshotsMs <= 2 }
        : {}),
    });
  }
  for (const point of points) {
    rows.push({
      name: `recover ${point.events.toLocaleString('en-US')} events, no snapshots`,
      ours: point.withoutSnapshotsMs,
      reference: point.withSnapshotsMs,
      referenceName: 'same history, snapshot every 1000',
      unit: 'ms',
      ratio: point.withoutSnapshotsMs / point.withSnapshotsMs,
      ratioNote: 'ours / reference (time; lower is better)',
    });
  }
  return {
    id: 'recovery',
    title: 'Recovery through the entity runtime (SQLite)',
    settings: { sizes: settings.recoverySizes, snapshotEvery: 1000, rounds },
    rows,
    notes: [
      'Time from `persistence.entity(...)` to the reply of the first command (recovery: snapshot load + replay of the events after it + fold), fresh stores each round, checked against the expected state.',
      'Histories are written straight to the journal in batches of 5000 events; snapshots are saved through SqliteSnapshotStore at every multiple of 1000 (the state the entity had there). Without snapshots the entity uses an empty snapshot store.',
    ],
    data: points,
  };
}
