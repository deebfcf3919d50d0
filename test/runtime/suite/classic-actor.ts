/** Classic PersistentActor on the shared runtime. */
import { describe, expect, it } from 'vitest';
import {
  EntityStoppedError,
  ErrorCodes,
  PersistentActor,
  PersistFailedError,
  RecoveryError,
  type RecoveryMessage,
  SnapshotSelectionCriteria,
} from '../../../src/index.js';
import { counter } from '../support/counter.js';
import { storeDown } from '../support/faulty-stores.js';
import type { MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';
import { LedgerActor, type LedgerEvent, type LedgerState, ledger, ledgerLog } from '../support/ledger-actor.js';

export function classicActorTests(makeStores: MakeStores): void {
  describe('classic PersistentActor', () => {
    const harness = useHarness(makeStores);

    it('persist and persistAll store events, run handlers in order with their sequence numbers, and reply', async () => {
      const { start, id } = harness();
      const log = ledgerLog();
      const ref = start().actorOf(ledger(id('ledger'), log));
      expect(await ref.ask({ type: 'add', amount: 5 })).toBe(5);
      expect(await ref.ask({ type: 'addAll', amounts: [1, 2, 3] })).toBeUndefined();
      expect(await ref.ask<LedgerState>({ type: 'get' })).toEqual({ total: 11, entries: [5, 1, 2, 3] });
      expect(log.handlerSequenceNrs).toEqual([1, 2, 3, 4]);
      const who = await ref.ask({ type: 'whoami' });
      expect(who).toEqual({ snapshotterId: ref.persistenceId, snapshotSequenceNr: 4, lastSequenceNr: 4 });
    });

    it('recovers with a SnapshotOffer, then the events after it, then RecoveryCompleted', async () => {
      const { start, id } = harness();
      const persistenceId = id('ledger');
      const first = start();
      const ref = first.actorOf(() => new LedgerActor(persistenceId));
      await ref.ask({ type: 'addAll', amounts: [1, 2] });
      await ref.ask({ type: 'snap', metadata: { reason: 'test' } });
      await ref.ask({ type: 'add', amount: 3 });
      await first.close();
      const log = ledgerLog();
      const again = start().actorOf(() => new LedgerActor(persistenceId, log));
      expect(await again.ask<LedgerState>({ type: 'get' })).toEqual({ total: 6, entries: [1, 2, 3] });
      expect(log.recovery).toEqual([
        {
          type: 'SnapshotOffer',
          metadata: expect.objectContaining({ sequenceNr: 2, metadata: { reason: 'test' } }),
          snapshot: { total: 3, entries: [1, 2] },
        },
        { type: 'added', amount: 3 },
        {
          type: 'RecoveryCompleted',
          lastSequenceNr: 3,
          snapshotSequenceNr: 2,
          replayed: 1,
          report: expect.objectContaining({ snapshotSequenceNr: 2, eventsReplayed: 1 }),
        },
      ]);
      expect(log.recoveryRunningDuringReplay).toEqual([true]);
    });

    it('snapshot results arrive as messages and are returned as promises that never reject', async () => {
      const { start, id, snapshotStore } = harness();
      const log = ledgerLog();
      const persistence = start();
      const ref = persistence.actorOf(ledger(id('ledger'), log));
      await ref.ask({ type: 'add', amount: 1 });
      expect(await ref.ask({ type: 'snap', metadata: { n: 1 } })).toMatchObject({
        type: 'SaveSnapshotSuccess',
        metadata: { sequenceNr: 1, metadata: { n: 1 } },
      });
      snapshotStore.saveFailure = storeDown();
      await ref.ask({ type: 'add', amount: 1 });
      expect(await ref.ask({ type: 'snap' })).toMatchObject({
        type: 'SaveSnapshotFailure',
        metadata: { sequenceNr: 2 },
        cause: { message: expect.stringContaining('store down') },
      });
      snapshotStore.saveFailure = undefined;
      await ref.ask({ type: 'snap' });
      expect(await ref.ask({ type: 'deleteSnapshot', sequenceNr: 1 })).toMatchObject({
        type: 'DeleteSnapshotSuccess',
        metadata: { sequenceNr: 1 },
      });
      expect(await ref.ask({ type: 'deleteSnapshotsUpTo', maxSequenceNr: 2 })).toMatchObject({
        type: 'DeleteSnapshotsSuccess',
        criteria: { maxSequenceNr: 2 },
      });
      expect(await ref.ask({ type: 'deleteMessages', toSequenceNr: 1 })).toEqual({ type: 'DeleteMessagesSuccess', toSequenceNr: 1 });
      expect(await ref.ask({ type: 'deleteMessages', toSequenceNr: 9 })).toMatchObject({ type: 'DeleteMessagesFailure', toSequenceNr: 9 });
      await persistence.idle();
      expect(log.results.map((r) => r.type)).toEqual([
        'SaveSnapshotSuccess',
        'SaveSnapshotFailure',
        'SaveSnapshotSuccess',
        'DeleteSnapshotSuccess',
        'DeleteSnapshotsSuccess',
        'DeleteMessagesSuccess',
        'DeleteMessagesFailure',
      ]);
      const remaining: number[] = [];
      for await (const metadata of snapshotStore.list(ref.persistenceId)) remaining.push(metadata.sequenceNr);
      expect(remaining).toEqual([]);
    });

    it('loadSnapshot reads another id’s snapshot and reports it as a message too', async () => {
      const { start, id } = harness();
      const persistence = start();
      const other = persistence.actorOf(ledger(id('other')));
      await other.ask({ type: 'add', amount: 9 });
      await other.ask({ type: 'snap', metadata: 'm' });
      const log = ledgerLog();
      const ref = persistence.actorOf(ledger(id('ledger'), log));
      expect(await ref.ask({ type: 'load', persistenceId: other.persistenceId })).toMatchObject({
        type: 'LoadSnapshotResult',
        snapshot: { metadata: { sequenceNr: 1, metadata: 'm' }, snapshot: { total: 9, entries: [9] } },
      });
      await persistence.idle();
      expect(log.results[0]?.type).toBe('LoadSnapshotResult');
    });

    it('shares the runtime: ordered commands, persist failure stops it, the next message recovers it', async () => {
      const { start, id, journal } = harness();
      const log = ledgerLog();
      const persistence = start();
      const ref = persistence.actorOf(ledger(id('ledger'), log));
      const totals = await Promise.all([1, 2, 3, 4].map((amount) => ref.ask({ type: 'add', amount })));
      expect(totals).toEqual([1, 3, 6, 10]);
      journal.writeFailure = storeDown();
      await expect(ref.ask({ type: 'add', amount: 1 })).rejects.toBeInstanceOf(PersistFailedError);
      expect(log.persistFailures).toHaveLength(1);
      journal.writeFailure = undefined;
      expect(await ref.ask({ type: 'add', amount: 5 })).toBe(15);
      expect(log.recovery.filter((m) => (m as { type: string }).type === 'RecoveryCompleted')).toHaveLength(2);
    });

    it('an exception in receiveCommand fails that ask and restarts the actor from the store', async () => {
      const { start, id } = harness();
      const ref = start().actorOf(ledger(id('ledger')));
      await ref.ask({ type: 'add', amount: 2 });
      await expect(ref.ask({ type: 'explode' })).rejects.toThrow('exploded');
      expect(await ref.ask<LedgerState>({ type: 'get' })).toEqual({ total: 2, entries: [2] });
    });

    it('after deleteMessages, an unreadable snapshot fails recovery instead of replaying a partial journal', async () => {
      const { start, id, snapshotStore } = harness();
      const persistenceId = id('ledger');
      const first = start();
      const ref = first.actorOf(ledger(persistenceId));
      await ref.ask({ type: 'addAll', amounts: [1, 2] });
      await ref.ask({ type: 'snap' });
      await ref.ask({ type: 'deleteMessages', toSequenceNr: 2 });
      await ref.ask({ type: 'add', amount: 3 });
      await first.close();
      snapshotStore.unreadable.add(2);
      const failures: Error[] = [];
      class Watched extends LedgerActor {
        override onRecoveryFailure(cause: Error): void {
          failures.push(cause);
        }
      }
      const error = await start()
        .actorOf(() => new Watched(persistenceId))
        .ask({ type: 'get' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecoveryError);
      expect((error as Error).message).toMatch(/events 1 to 2 are no longer in the journal.*cannot be used: 2 \(unreadable/);
      expect(failures).toEqual([error]);
    });

    it('an actor whose receiveRecover throws on the snapshot offer fails recovery', async () => {
      const { start, id } = harness();
      const persistenceId = id('ledger');
      const first = start();
      const ref = first.actorOf(ledger(persistenceId));
      await ref.ask({ type: 'add', amount: 1 });
      await ref.ask({ type: 'snap' });
      await first.close();
      class Picky extends LedgerActor {
        override receiveRecover(message: RecoveryMessage<LedgerEvent, LedgerState>): void {
          if ((message as { type?: string }).type === 'SnapshotOffer') throw new Error('cannot restore');
          super.receiveRecover(message);
        }
      }
      await expect(
        start()
          .actorOf(() => new Picky(persistenceId))
          .ask({ type: 'get' }),
      ).rejects.toThrow(/applying snapshot 1 failed: cannot restore/);
    });

    it('validates actorOf and refuses actor methods outside the runtime', () => {
      const persistence = harness().start();
      expect(() => persistence.actorOf(() => ({}) as never)).toThrow(/expected it to return a PersistentActor/);
      expect(() => persistence.actorOf(() => new LedgerActor(''))).toThrow(
        expect.objectContaining({ code: ErrorCodes.invalidPersistenceId }),
      );
      const idA = harness().id('dup');
      persistence.actorOf(() => new LedgerActor(idA));
      expect(() => persistence.actorOf(() => new LedgerActor(idA))).toThrow(/already running/);
      expect(() => new LedgerActor('loose').lastSequenceNr).toThrow(EntityStoppedError);
      class Bad extends PersistentActor {
        readonly persistenceId = 'bad';
        override readonly recovery = { replayMax: -1 };
        receiveRecover(_message: RecoveryMessage<unknown, unknown>): void {}
        receiveCommand(): void {}
      }
      expect(() => persistence.actorOf(() => new Bad())).toThrow(/Bad.recovery.*replayMax.*found -1/);
    });

    it('classic actors honour recovery criteria and retention like typed entities', async () => {
      const { start, id, snapshotStore } = harness();
      const persistenceId = id('ledger');
      class Pruned extends LedgerActor {
        override readonly retention = { keepNSnapshots: 1 };
        override readonly recovery = { fromSnapshot: SnapshotSelectionCriteria.None };
      }
      const persistence = start();
      const ref = persistence.actorOf(() => new Pruned(persistenceId));
      for (const amount of [1, 2, 3]) {
        await ref.ask({ type: 'add', amount });
        await ref.ask({ type: 'snap' });
      }
      await persistence.close();
      const kept: number[] = [];
      for await (const metadata of snapshotStore.list(persistenceId)) kept.push(metadata.sequenceNr);
      expect(kept).toEqual([3]);
      const log = ledgerLog();
      await start()
        .actorOf(() => new Pruned(persistenceId, log))
        .ask({ type: 'get' });
      expect(log.recovery[0]).toEqual({ type: 'added', amount: 1 });
    });

    it('an actor with snapshotState() gets automatic snapshots from retention.snapshotEvery', async () => {
      const { start, id, snapshotStore } = harness();
      const persistenceId = id('ledger');
      class AutoLedger extends LedgerActor {
        override readonly retention = { snapshotEvery: 2 };
        override snapshotState(): LedgerState {
          return this.state;
        }
      }
      const persistence = start();
      const ref = persistence.actorOf(() => new AutoLedger(persistenceId));
      for (const amount of [1, 2, 3]) await ref.ask({ type: 'add', amount });
      await ref.ask({ type: 'addAll', amounts: [4, 5] });
      await persistence.idle();
      const saved: number[] = [];
      for await (const metadata of snapshotStore.list(persistenceId)) saved.push(metadata.sequenceNr);
      expect(saved).toEqual([2, 5]);
    });

    it('a typed entity and a classic actor run side by side on one runtime', async () => {
      const { start, id } = harness();
      const persistence = start();
      const typed = persistence.entity(counter(), id());
      const classic = persistence.actorOf(ledger(id('ledger')));
      const [a, b] = await Promise.all([typed.ask({ type: 'add', amount: 1 }), classic.ask({ type: 'add', amount: 2 })]);
      expect([a, b]).toEqual([1, 2]);
      expect(persistence.entitiesInMemory).toBe(2);
    });
  });
}
