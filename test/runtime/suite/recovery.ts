/** Recovery: snapshot selection, replay bounds, skipped snapshots, failures. */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError, RecoveryError, type Signal, SnapshotSelectionCriteria } from '../../../src/index.js';
import { type CounterState, counter, POISON } from '../support/counter.js';
import { storeDown } from '../support/faulty-stores.js';
import type { MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';

const completed = (signals: Signal[]) => signals.filter((s) => s.type === 'RecoveryCompleted');

export function recoveryTests(makeStores: MakeStores): void {
  describe('recovery', () => {
    const harness = useHarness(makeStores);

    /** Writes amounts 1..n with snapshots at the given sequence numbers. */
    async function seed(entityId: string, amounts: readonly number[], snapshotAt: readonly number[]) {
      const persistence = harness().start();
      const ref = persistence.entity(counter(), entityId);
      for (const [index, amount] of amounts.entries()) {
        await ref.ask({ type: 'add', amount });
        if (snapshotAt.includes(index + 1)) await ref.ask({ type: 'snapshot' });
      }
      await persistence.close();
    }

    it('starts from the youngest snapshot and replays only the events after it', async () => {
      const { start, id } = harness();
      const entityId = id();
      await seed(entityId, [1, 2, 3, 4, 5], [2, 4]);
      const signals: Signal[] = [];
      const ref = start().entity(counter({}, signals), entityId);
      expect(await ref.ask<CounterState>({ type: 'get' })).toEqual({ value: 15, applied: [1, 2, 3, 4, 5] });
      expect(completed(signals)).toEqual([
        {
          type: 'RecoveryCompleted',
          lastSequenceNr: 5,
          snapshotSequenceNr: 4,
          replayed: 1,
          report: expect.objectContaining({ snapshotSequenceNr: 4, noSnapshotReason: undefined, eventsReplayed: 1, snapshotsSkipped: 0 }),
        },
      ]);
    });

    it('SnapshotSelectionCriteria.None replays everything; criteria pick older snapshots', async () => {
      const { start, id } = harness();
      const entityId = id();
      await seed(entityId, [1, 2, 3, 4, 5], [2, 4]);
      const none: Signal[] = [];
      await start()
        .entity(counter({ name: 'counter', recovery: { fromSnapshot: SnapshotSelectionCriteria.None } }, none), entityId)
        .ask({ type: 'get' });
      expect(completed(none)[0]).toMatchObject({ snapshotSequenceNr: 0, replayed: 5 });
      const older: Signal[] = [];
      const ref = start().entity(counter({ recovery: { fromSnapshot: { maxSequenceNr: 3 } } }, older), entityId);
      expect(await ref.ask<CounterState>({ type: 'get' })).toMatchObject({ value: 15 });
      expect(completed(older)[0]).toMatchObject({ snapshotSequenceNr: 2, replayed: 3 });
    });

    it('toSequenceNr and replayMax bound the replay', async () => {
      const { start, id } = harness();
      const entityId = id();
      await seed(entityId, [1, 2, 3, 4, 5], [2]);
      const to = start().entity(counter({ recovery: { toSequenceNr: 3 } }), entityId);
      expect(await to.ask<CounterState>({ type: 'get' })).toEqual({ value: 6, applied: [1, 2, 3] });
      const max = start().entity(counter({ recovery: { replayMax: 1, fromSnapshot: SnapshotSelectionCriteria.None } }), entityId);
      expect(await max.ask<CounterState>({ type: 'get' })).toEqual({ value: 1, applied: [1] });
      // Sequence numbers are never reused: the next event goes after the highest stored one.
      expect(await max.ask({ type: 'ctx' })).toMatchObject({ lastSequenceNr: 5 });
    });

    it('skips an unreadable youngest snapshot for the next older one and signals it', async () => {
      const { start, id, snapshotStore, logger } = harness();
      const entityId = id();
      await seed(entityId, [1, 2, 3, 4, 5], [2, 4]);
      snapshotStore.unreadable.add(4);
      const signals: Signal[] = [];
      const ref = start().entity(counter({}, signals), entityId);
      expect(await ref.ask<CounterState>({ type: 'get' })).toMatchObject({ value: 15 });
      expect(signals.find((s) => s.type === 'SnapshotSkipped')).toMatchObject({ reason: 'unreadable', metadata: { sequenceNr: 4 } });
      expect(completed(signals)[0]).toMatchObject({ snapshotSequenceNr: 2, replayed: 3 });
      expect(logger.find('warn', 'skipped snapshot 4')).toHaveLength(1);
    });

    it('falls back to a full replay when no snapshot is readable and the journal is complete', async () => {
      const { start, id, snapshotStore } = harness();
      const entityId = id();
      await seed(entityId, [1, 2, 3], [1, 2]);
      snapshotStore.unreadable.add(1).add(2);
      const signals: Signal[] = [];
      expect(await start().entity(counter({}, signals), entityId).ask<CounterState>({ type: 'get' })).toMatchObject({ value: 6 });
      expect(signals.filter((s) => s.type === 'SnapshotSkipped')).toHaveLength(2);
      expect(completed(signals)[0]).toMatchObject({ snapshotSequenceNr: 0, replayed: 3 });
    });

    it('fails with a RecoveryError naming the unreadable snapshots when covered events were deleted', async () => {
      const { start, id, snapshotStore } = harness();
      const entityId = id();
      const persistence = start();
      const ref = persistence.entity(counter({ retention: { snapshotEvery: 2, deleteEventsOnSnapshot: true } }), entityId);
      for (const amount of [1, 2, 3]) await ref.ask({ type: 'add', amount });
      await persistence.close();
      snapshotStore.unreadable.add(2);
      const signals: Signal[] = [];
      const error = await start()
        .entity(counter({}, signals), entityId)
        .ask({ type: 'get' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecoveryError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `counter\\|${entityId}.*events 1 to 2 are no longer in the journal.*snapshots that covered them cannot be used: 2 \\(unreadable`,
        ),
      );
      expect(signals.find((s) => s.type === 'RecoveryFailed')).toBeDefined();
    });

    it('a snapshot store that throws on load fails recovery with the cause; the next command retries', async () => {
      const { start, id, snapshotStore } = harness();
      const entityId = id();
      await seed(entityId, [1, 2], [1]);
      snapshotStore.loadFailure = storeDown();
      const ref = start().entity(counter(), entityId);
      const first = ref.ask({ type: 'get' }).catch((e: unknown) => e);
      const stashed = ref.ask({ type: 'add', amount: 1 }).catch((e: unknown) => e);
      const error = (await first) as RecoveryError;
      expect(error).toBeInstanceOf(RecoveryError);
      expect(error.message).toMatch(/loading a snapshot failed: .*store down/);
      expect(isMementoError(error.cause, ErrorCodes.storeUnavailable)).toBe(true);
      expect(await stashed).toBe(error);
      snapshotStore.loadFailure = undefined;
      expect(await ref.ask<CounterState>({ type: 'get' })).toMatchObject({ value: 3 });
    });

    it('a journal that fails during recovery fails it with a RecoveryError', async () => {
      const { start, id, journal } = harness();
      const entityId = id();
      await seed(entityId, [1], []);
      journal.readFailure = storeDown();
      await expect(start().entity(counter(), entityId).ask({ type: 'get' })).rejects.toThrow(/reading the highest sequence number failed/);
    });

    it('an event handler that throws during replay fails recovery naming id and sequence number', async () => {
      const { start, id } = harness();
      const entityId = id();
      const persistence = start();
      const ref = persistence.entity(counter(), entityId);
      await ref.ask({ type: 'add', amount: 1 });
      // Stored, then refused by the event handler: the entity stops rather than run on a broken state.
      await expect(ref.ask({ type: 'add', amount: POISON })).rejects.toThrow(/event handler threw on event 2 \(stored\)/);
      const signals: Signal[] = [];
      const error = await start()
        .entity(counter({}, signals), entityId)
        .ask({ type: 'get' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecoveryError);
      expect((error as RecoveryError).message).toContain(`"counter|${entityId}": the event handler threw on event 2: poison event`);
      expect((error as RecoveryError).persistenceId).toBe(`counter|${entityId}`);
      expect(signals.at(-1)).toMatchObject({ type: 'RecoveryFailed', error });
    });
  });
}
