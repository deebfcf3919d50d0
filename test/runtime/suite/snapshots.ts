/** Snapshot policies, retention, versioning, adapters, background saves. */
import { describe, expect, it } from 'vitest';
import { type Signal, SnapshotSelectionCriteria } from '../../../src/index.js';
import { type CounterState, counter } from '../support/counter.js';
import { gate, storeDown } from '../support/faulty-stores.js';
import type { MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';

async function snapshotSequenceNrs(store: { list(id: string): AsyncIterable<{ sequenceNr: number }> }, persistenceId: string) {
  const found: number[] = [];
  for await (const metadata of store.list(persistenceId)) found.push(metadata.sequenceNr);
  return found;
}

async function eventSequenceNrs(
  journal: { replay(id: string, from: number, to: number): AsyncIterable<{ sequenceNr: number }> },
  persistenceId: string,
) {
  const found: number[] = [];
  for await (const repr of journal.replay(persistenceId, 0, Number.POSITIVE_INFINITY)) found.push(repr.sequenceNr);
  return found;
}

export function snapshotTests(makeStores: MakeStores): void {
  describe('snapshots', () => {
    const harness = useHarness(makeStores);

    it('snapshotEvery counts events since the last snapshot, so a batch jumping past a multiple still snapshots', async () => {
      const { start, id, snapshotStore } = harness();
      const persistence = start();
      const ref = persistence.entity(counter({ retention: { snapshotEvery: 3 } }), id());
      await ref.ask({ type: 'addAll', amounts: [1, 1] }); // 2 events, seq 2
      await ref.ask({ type: 'addAll', amounts: [1, 1] }); // 4 events: past 3, though 4 % 3 !== 0
      await ref.ask({ type: 'addAll', amounts: [1, 1] }); // 2 since the snapshot at 4
      await ref.ask({ type: 'addAll', amounts: [1, 1, 1, 1, 1] }); // seq 11, 7 since: one snapshot, not two
      await persistence.idle();
      expect(await snapshotSequenceNrs(snapshotStore, ref.persistenceId)).toEqual([4, 11]);
    });

    it('snapshotEvery keeps counting across a restart (replayed events count)', async () => {
      const { start, id, snapshotStore } = harness();
      const entityId = id();
      const definition = counter({ retention: { snapshotEvery: 3 } });
      const first = start();
      await first.entity(definition, entityId).ask({ type: 'addAll', amounts: [1, 1] });
      await first.close();
      const second = start();
      const ref = second.entity(definition, entityId);
      await ref.ask({ type: 'add', amount: 1 });
      await second.idle();
      expect(await snapshotSequenceNrs(snapshotStore, ref.persistenceId)).toEqual([3]);
    });

    it('snapshotWhen snapshots after the batch in which the predicate held', async () => {
      const { start, id, snapshotStore } = harness();
      const persistence = start();
      const ref = persistence.entity(counter({ snapshotWhen: (_state, event) => event.amount === 100 }), id());
      await ref.ask({ type: 'addAll', amounts: [1, 100, 2] });
      await ref.ask({ type: 'add', amount: 3 });
      await ref.ask({ type: 'add', amount: 100 });
      await persistence.idle();
      expect(await snapshotSequenceNrs(snapshotStore, ref.persistenceId)).toEqual([3, 5]);
    });

    it('thenSnapshot snapshots on request and reports SaveSnapshotSuccess with the user metadata', async () => {
      const { start, id, snapshotStore } = harness();
      const signals: Signal[] = [];
      const persistence = start();
      const ref = persistence.entity(counter({}, signals), id());
      await ref.ask({ type: 'add', amount: 1 });
      await ref.ask({ type: 'snapshot', metadata: { reason: 'manual' } });
      await persistence.idle();
      const success = signals.find((s) => s.type === 'SaveSnapshotSuccess');
      expect(success).toMatchObject({ metadata: { sequenceNr: 1, metadata: { reason: 'manual' } } });
      const stored = await snapshotStore.inner.load(ref.persistenceId, SnapshotSelectionCriteria.Latest);
      expect(stored?.metadata.metadata).toEqual({ memento: { version: 1 }, user: { reason: 'manual' } });
      expect(stored?.snapshot).toEqual({ value: 1, applied: [1] });
    });

    it('keepNSnapshots prunes older snapshots; deleteEventsOnSnapshot deletes events up to the oldest kept one', async () => {
      const { start, id, snapshotStore, journal } = harness();
      const signals: Signal[] = [];
      const persistence = start();
      const definition = counter({ retention: { snapshotEvery: 2, keepNSnapshots: 2, deleteEventsOnSnapshot: true } }, signals);
      const ref = persistence.entity(definition, id());
      for (let i = 0; i < 7; i++) await ref.ask({ type: 'add', amount: 1 });
      await persistence.idle();
      expect(await snapshotSequenceNrs(snapshotStore, ref.persistenceId)).toEqual([4, 6]);
      expect(await eventSequenceNrs(journal, ref.persistenceId)).toEqual([5, 6, 7]);
      expect(signals.some((s) => s.type === 'DeleteSnapshotsSuccess')).toBe(true);
      expect(signals.filter((s) => s.type === 'DeleteMessagesSuccess').map((s) => (s as { toSequenceNr: number }).toSequenceNr)).toEqual([
        2, 2, 4,
      ]);
      await persistence.close();
      expect(await start().entity(definition, ref.persistenceId.slice('counter|'.length)).ask<CounterState>({ type: 'get' })).toMatchObject(
        { value: 7 },
      );
    });

    it('a failed save is reported and never stops the entity or loses events', async () => {
      const { start, id, snapshotStore, logger } = harness();
      const signals: Signal[] = [];
      const entityId = id();
      const persistence = start();
      const ref = persistence.entity(counter({ retention: { snapshotEvery: 1 } }, signals), entityId);
      snapshotStore.saveFailure = storeDown();
      expect(await ref.ask({ type: 'add', amount: 1 })).toBe(1);
      expect(await ref.ask({ type: 'add', amount: 2 })).toBe(3);
      await persistence.close();
      expect(signals.filter((s) => s.type === 'SaveSnapshotFailure')).toHaveLength(2);
      expect(signals.find((s) => s.type === 'SaveSnapshotFailure')).toMatchObject({
        metadata: { sequenceNr: 1 },
        cause: { message: expect.stringContaining('store down') },
      });
      expect(logger.find('warn', 'saving a snapshot failed')).toHaveLength(2);
      snapshotStore.saveFailure = undefined;
      expect(await start().entity(counter(), entityId).ask<CounterState>({ type: 'get' })).toMatchObject({ value: 3 });
    });

    it('saving never blocks command handling, and one entity’s snapshots are saved in order', async () => {
      const { start, id, snapshotStore } = harness();
      const persistence = start();
      const ref = persistence.entity(counter({ retention: { snapshotEvery: 1 } }), id());
      const held = gate();
      snapshotStore.saveGate = held.promise;
      for (let i = 1; i <= 5; i++) expect(await ref.ask({ type: 'add', amount: 1 })).toBe(i);
      expect(snapshotStore.saved).toEqual([]);
      held.open();
      await persistence.idle();
      expect(snapshotStore.saved).toEqual([1, 2, 3, 4, 5]);
    });

    it('ignores snapshots of another version, so a changed state shape is rebuilt from events', async () => {
      const { start, id } = harness();
      const entityId = id();
      const v1 = start();
      const ref = v1.entity(counter(), entityId);
      await ref.ask({ type: 'addAll', amounts: [1, 2] });
      await ref.ask({ type: 'snapshot' });
      await v1.close();
      const signals: Signal[] = [];
      // Version 2 folds events differently (doubles them): the v1 snapshot must not be used.
      const v2 = counter(
        { snapshotVersion: 2, eventHandler: (s, e) => ({ value: s.value + 2 * e.amount, applied: [...s.applied, e.amount] }) },
        signals,
      );
      const hooked: unknown[] = [];
      const runtime = start({ hooks: { onSnapshotSkipped: (event) => hooked.push(event) } });
      expect(await runtime.entity(v2, entityId).ask<CounterState>({ type: 'get' })).toMatchObject({ value: 6 });
      expect(signals.find((s) => s.type === 'SnapshotSkipped')).toMatchObject({ reason: 'version', metadata: { sequenceNr: 2 } });
      expect(hooked).toEqual([expect.objectContaining({ store: 'runtime', metadata: expect.objectContaining({ sequenceNr: 2 }) })]);
    });

    it('a snapshot adapter stores another shape and may migrate an older version', async () => {
      const { start, id, snapshotStore } = harness();
      const entityId = id();
      const v1 = start();
      const ref = v1.entity(counter(), entityId);
      await ref.ask({ type: 'addAll', amounts: [1, 2] });
      await ref.ask({ type: 'snapshot' });
      await v1.close();
      const signals: Signal[] = [];
      const adapter = {
        toSnapshot: (state: CounterState) => ({ total: state.value, amounts: state.applied.join(',') }),
        fromSnapshot: (stored: unknown, version: number): CounterState => {
          if (version === 1) return stored as CounterState;
          const { total, amounts } = stored as { total: number; amounts: string };
          return { value: total, applied: amounts === '' ? [] : amounts.split(',').map(Number) };
        },
        canMigrate: (version: number) => version === 1,
      };
      const v2 = start();
      const migrated = v2.entity(counter({ snapshotVersion: 2, snapshotAdapter: adapter }, signals), entityId);
      expect(await migrated.ask<CounterState>({ type: 'get' })).toEqual({ value: 3, applied: [1, 2] });
      expect(signals.find((s) => s.type === 'RecoveryCompleted')).toMatchObject({ snapshotSequenceNr: 2, replayed: 0 });
      await migrated.ask({ type: 'add', amount: 4 });
      await migrated.ask({ type: 'snapshot' });
      await v2.close();
      const stored = await snapshotStore.inner.load(migrated.persistenceId, SnapshotSelectionCriteria.Latest);
      expect(stored?.snapshot).toEqual({ total: 7, amounts: '1,2,4' });
      expect(stored?.metadata.metadata).toEqual({ memento: { version: 2 } });
      const again: Signal[] = [];
      const ref3 = start().entity(counter({ snapshotVersion: 2, snapshotAdapter: adapter }, again), entityId);
      expect(await ref3.ask<CounterState>({ type: 'get' })).toEqual({ value: 7, applied: [1, 2, 4] });
      expect(again.find((s) => s.type === 'RecoveryCompleted')).toMatchObject({ snapshotSequenceNr: 3 });
    });

    it('an adapter that cannot decode a snapshot makes recovery skip it', async () => {
      const { start, id } = harness();
      const entityId = id();
      const first = start();
      const ref = first.entity(counter(), entityId);
      await ref.ask({ type: 'add', amount: 1 });
      await ref.ask({ type: 'snapshot' });
      await first.close();
      const signals: Signal[] = [];
      const broken = {
        toSnapshot: (state: CounterState) => state,
        fromSnapshot: (): CounterState => {
          throw new Error('cannot decode');
        },
      };
      expect(
        await start()
          .entity(counter({ snapshotAdapter: broken }, signals), entityId)
          .ask({ type: 'get' }),
      ).toMatchObject({ value: 1 });
      expect(signals.find((s) => s.type === 'SnapshotSkipped')).toMatchObject({
        reason: 'unreadable',
        error: { message: 'cannot decode' },
      });
    });
  });
}
