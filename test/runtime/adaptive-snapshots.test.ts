/**
 * Adaptive snapshot triggers (snapshotEveryBytes, snapshotAfterSlowRecovery) and the
 * report every recovery gives: RecoveryCompleted.report and hooks.onRecovery.
 */
import { describe, expect, it } from 'vitest';
import {
  createPersistence,
  type RecoveryCompleted,
  type RecoveryReportEvent,
  Serialization,
  type Signal,
  SnapshotSelectionCriteria,
} from '../../src/index.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/memory/index.js';
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

  it('reports bytes read with snapshotEveryBytes, and why no snapshot was used', async () => {
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
      bytesRead: undefined,
    });
    snapshotStore.unreadable.add(1);
    expect(await reportFor({})).toMatchObject({ noSnapshotReason: 'all-unusable', snapshotsSkipped: 1, eventsReplayed: 2 });
  });

  it('refuses a slow-recovery threshold without a bound, naming the option', () => {
    expect(() => counter({ retention: { snapshotAfterSlowRecovery: {} } })).toThrow(/retention\.snapshotAfterSlowRecovery/);
    expect(() => counter({ retention: { snapshotEveryBytes: 0 } })).toThrow(/retention\.snapshotEveryBytes/);
  });
});
