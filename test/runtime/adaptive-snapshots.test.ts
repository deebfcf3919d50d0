/**
 * Adaptive snapshot triggers (snapshotEveryBytes, snapshotAfterSlowRecovery) and the
 * report every recovery gives: RecoveryCompleted.report and hooks.onRecovery.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPersistence,
  type RecoveryCompleted,
  type RecoveryReportEvent,
  Serialization,
  type Signal,
  SnapshotSelectionCriteria,
} from '../../src/index.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/memory/index.js';
import type { Journal } from '../../src/spi/journal.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { removeTempDirs, tempFile, withDatabase } from '../sqlite/helpers.js';
import { type CounterEvent, counter } from './support/counter.js';
import { FaultyJournal, FaultySnapshotStore } from './support/faulty-stores.js';

const listed = async (store: MemorySnapshotStore | FaultySnapshotStore, persistenceId: string) => {
  const found: number[] = [];
  for await (const metadata of store.list(persistenceId)) found.push(metadata.sequenceNr);
  return found;
};

function stores() {
  const journal = new FaultyJournal(new MemoryJournal());
  const snapshotStore = new FaultySnapshotStore(new MemorySnapshotStore());
  return { journal, snapshotStore };
}

afterAll(removeTempDirs);

const reportOf = (signals: Signal[]) =>
  signals.filter((signal): signal is RecoveryCompleted => signal.type === 'RecoveryCompleted').map((signal) => signal.report);

describe('adaptive snapshots and recovery reports', () => {
  it('snapshotAfterSlowRecovery: a recovery that replayed more than `events` saves a snapshot, so the next one replays nothing', async () => {
    const { journal, snapshotStore } = stores();
    const seeding = createPersistence({ journal, snapshotStore });
    const plain = counter();
    await seeding.entity(plain, 'slow').ask({ type: 'addAll', amounts: Array.from({ length: 20 }, (_, index) => index) });
    await seeding.close();

    const signals: Signal[] = [];
    const reports: RecoveryReportEvent[] = [];
    const definition = counter({ retention: { snapshotAfterSlowRecovery: { events: 10 } } }, signals);
    const first = createPersistence({ journal, snapshotStore, hooks: { onRecovery: (report) => reports.push(report) } });
    await first.entity(definition, 'slow').ask({ type: 'get' });
    await first.idle();
    expect(reportOf(signals)).toEqual([
      expect.objectContaining({ eventsReplayed: 20, noSnapshotReason: 'none-stored', snapshotTriggered: 'slow-recovery' }),
    ]);
    expect(reports).toEqual(reportOf(signals));
    expect(await listed(snapshotStore, 'counter|slow')).toEqual([20]);
    await first.close();

    signals.length = 0;
    const second = createPersistence({ journal, snapshotStore });
    await expect(second.entity(definition, 'slow').ask({ type: 'get' })).resolves.toMatchObject({ value: 190 });
    expect(reportOf(signals)).toEqual([
      expect.objectContaining({ snapshotSequenceNr: 20, eventsReplayed: 0, noSnapshotReason: undefined, snapshotTriggered: undefined }),
    ]);
    await second.close();
  });

  it('snapshotEveryBytes: snapshots once the encoded events since the last snapshot pass the threshold', async () => {
    const { journal, snapshotStore } = stores();
    const persistence = createPersistence({ journal, snapshotStore });
    const event: CounterEvent = { type: 'added', amount: 1 };
    const size = new Serialization().serialize(event).length;
    const definition = counter({ retention: { snapshotEveryBytes: size * 3 } });
    const ref = persistence.entity(definition, 'bytes');
    await ref.ask({ type: 'add', amount: 1 });
    await ref.ask({ type: 'add', amount: 1 });
    await persistence.idle();
    expect(await listed(snapshotStore, 'counter|bytes')).toEqual([]);
    await ref.ask({ type: 'add', amount: 1 });
    await persistence.idle();
    expect(await listed(snapshotStore, 'counter|bytes')).toEqual([3]);
    // Larger events pass the threshold sooner: one event three times as large.
    await ref.ask({ type: 'add', amount: 1 });
    await ref.ask({ type: 'persistRaw', event: { type: 'added', amount: 0, padding: 'x'.repeat(size * 3) } });
    await persistence.idle();
    expect(await listed(snapshotStore, 'counter|bytes')).toEqual([3, 5]);
    await persistence.close();
  });

  it('snapshotEvery, snapshotEveryBytes and snapshotWhen compose: whichever passes first takes the snapshot', async () => {
    const { journal, snapshotStore } = stores();
    const persistence = createPersistence({ journal, snapshotStore });
    const size = new Serialization().serialize({ type: 'added', amount: 1 } satisfies CounterEvent).length;
    const definition = counter({
      retention: { snapshotEvery: 4, snapshotEveryBytes: size * 10 },
      snapshotWhen: (_state, event) => event.amount === 7,
    });
    const ref = persistence.entity(definition, 'any');
    // Small events: the count (4) passes before the bytes (10 events' worth).
    for (let n = 0; n < 4; n++) await ref.ask({ type: 'add', amount: 1 });
    await persistence.idle();
    expect(await listed(snapshotStore, 'counter|any')).toEqual([4]);
    // The predicate fires on its own, one event after the last snapshot.
    await ref.ask({ type: 'add', amount: 7 });
    await persistence.idle();
    expect(await listed(snapshotStore, 'counter|any')).toEqual([4, 5]);
    // One event larger than the byte threshold passes it before the count does.
    await ref.ask({ type: 'persistRaw', event: { type: 'added', amount: 0, padding: 'x'.repeat(size * 10) } });
    await persistence.idle();
    expect(await listed(snapshotStore, 'counter|any')).toEqual([4, 5, 6]);
    await persistence.close();
  });

  it('reports bytes read (with or without snapshotEveryBytes), and why no snapshot was used', async () => {
    const { journal, snapshotStore } = stores();
    const seeding = createPersistence({ journal, snapshotStore });
    const ref = seeding.entity(counter(), 'why');
    await ref.ask({ type: 'add', amount: 1 });
    await ref.ask({ type: 'snapshot' });
    await ref.ask({ type: 'add', amount: 2 });
    await seeding.close();
    const size = new Serialization().serialize({ type: 'added', amount: 1 } satisfies CounterEvent).length;

    const reportFor = async (options: Parameters<typeof counter>[0]) => {
      const signals: Signal[] = [];
      const persistence = createPersistence({ journal, snapshotStore });
      await persistence.entity(counter(options, signals), 'why').ask({ type: 'get' });
      await persistence.close();
      return reportOf(signals)[0];
    };
    expect(await reportFor({ retention: { snapshotEveryBytes: 1_000_000 } })).toMatchObject({
      snapshotSequenceNr: 1,
      eventsReplayed: 1,
      bytesRead: size,
    });
    expect(await reportFor({ recovery: { fromSnapshot: SnapshotSelectionCriteria.None } })).toMatchObject({
      noSnapshotReason: 'disabled',
      eventsReplayed: 2,
      bytesRead: 2 * size,
    });
    snapshotStore.unreadable.add(1);
    expect(await reportFor({})).toMatchObject({ noSnapshotReason: 'all-unusable', snapshotsSkipped: 1, eventsReplayed: 2 });
  });

  it('reports bytes read over SQLite as the stored envelopes it replayed, replayed events staying plain objects', async () => {
    const file = tempFile('bytes-read');
    const seeding = createPersistence({ journal: new SqliteJournal(file), snapshotStore: new MemorySnapshotStore() });
    await seeding.entity(counter(), 'sql').ask({ type: 'addAll', amounts: [1, 22, 333] });
    await seeding.close();
    const stored = withDatabase(
      file,
      (db) => db.prepare("SELECT sum(length(payload)) FROM journal WHERE persistence_id = 'counter|sql'").raw(true).get() as [number],
    )[0];

    const journal = new SqliteJournal(file);
    const replayed = [];
    for await (const repr of journal.replay('counter|sql', 1, 3)) replayed.push(repr);
    // The size rides on the event object unseen: equal to a plain copy, no extra keys.
    expect(replayed).toEqual(replayed.map((repr) => ({ ...repr })));
    expect(Object.keys(replayed[0] as object).sort()).toEqual(['event', 'persistenceId', 'sequenceNr', 'timestamp', 'writerId']);
    expect(Object.getOwnPropertySymbols(replayed[0] as object)).toEqual([]);

    const signals: Signal[] = [];
    const persistence = createPersistence({ journal, snapshotStore: new MemorySnapshotStore() });
    await persistence.entity(counter({}, signals), 'sql').ask({ type: 'get' });
    await persistence.close();
    expect(reportOf(signals)).toEqual([expect.objectContaining({ eventsReplayed: 3, bytesRead: stored })]);
  });

  it('reports no bytes read from a journal that hands out events it did not decode, unless snapshotEveryBytes measures them', async () => {
    const { journal, snapshotStore } = stores();
    const seeding = createPersistence({ journal, snapshotStore });
    await seeding.entity(counter(), 'copied').ask({ type: 'addAll', amounts: [1, 2] });
    await seeding.close();
    // A journal of another make: its events are objects of its own, carrying no stored size.
    const copying: Journal = Object.assign(Object.create(journal) as Journal, {
      replay: async function* (persistenceId: string, from: number, to: number, max?: number) {
        for await (const repr of journal.replay(persistenceId, from, to, max)) yield { ...repr };
      },
    });
    const size = new Serialization().serialize({ type: 'added', amount: 1 } satisfies CounterEvent).length;
    const reportWith = async (options: Parameters<typeof counter>[0]) => {
      const signals: Signal[] = [];
      const persistence = createPersistence({ journal: copying, snapshotStore });
      await persistence.entity(counter(options, signals), 'copied').ask({ type: 'get' });
      await persistence.close();
      return reportOf(signals)[0];
    };
    expect(await reportWith({})).toMatchObject({ eventsReplayed: 2, bytesRead: undefined });
    expect(await reportWith({ retention: { snapshotEveryBytes: 1_000_000 } })).toMatchObject({ eventsReplayed: 2, bytesRead: 2 * size });
  });

  it('refuses a slow-recovery threshold without a bound, naming the option', () => {
    expect(() => counter({ retention: { snapshotAfterSlowRecovery: {} } })).toThrow(/retention\.snapshotAfterSlowRecovery/);
    expect(() => counter({ retention: { snapshotEveryBytes: 0 } })).toThrow(/retention\.snapshotEveryBytes/);
  });
});
