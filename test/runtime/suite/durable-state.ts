/** Durable state entities: load, persist at the next revision, delete, stash, conflicts and failures. */
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  createPersistence,
  type DurableSignal,
  defineDurableEntity,
  ErrorCodes,
  InvalidStateError,
  isMementoError,
  PersistFailedError,
  RecoveryError,
  UnhandledCommandError,
} from '../../../src/index.js';
import { type AccountState, account, emptyAccount } from '../support/account.js';
import { counter } from '../support/counter.js';
import { gate, storeDown } from '../support/faulty-stores.js';
import type { Harness, MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';

function durableStore(harness: Harness) {
  const store = harness.durableStateStore;
  if (!store) throw new Error('durableEntitySuite: makeStores must return a durableStateStore');
  return store;
}

export function durableStateTests(makeStores: MakeStores): void {
  describe('durable state entities', () => {
    const harness = useHarness(makeStores);

    it('stores the whole new state at revision + 1 and loads it again after a restart', async () => {
      const h = harness();
      const store = durableStore(h);
      const entityId = h.id('acct');
      const first = h.start();
      const ref = first.durableEntity(account(), entityId);
      expect(ref.persistenceId).toBe(`account|${entityId}`);
      expect(await ref.ask({ type: 'deposit', amount: 5 })).toBe(5);
      expect(await ref.ask({ type: 'deposit', amount: 7 })).toBe(12);
      expect(await store.get(ref.persistenceId)).toEqual({ value: { balance: 12, applied: [5, 7] }, revision: 2 });
      expect(store.changes.map((c) => c.revision)).toEqual([1, 2]);
      await first.close();
      const signals: DurableSignal[] = [];
      const again = h.start().durableEntity(account({}, signals), entityId);
      expect(await again.ask({ type: 'ctx' })).toEqual({ persistenceId: ref.persistenceId, entityId, revision: 2 });
      expect(await again.ask<AccountState>({ type: 'get' })).toEqual({ balance: 12, applied: [5, 7] });
      expect(signals).toEqual([{ type: 'DurableStateLoaded', revision: 2 }]);
      expect(await again.ask({ type: 'deposit', amount: 1 })).toBe(13);
      expect((await store.get(ref.persistenceId)).revision).toBe(3);
    });

    it('a never-stored entity starts from emptyState at revision 0', async () => {
      const h = harness();
      const ref = h.start().durableEntity(account(), h.id());
      expect(await ref.ask({ type: 'get' })).toBe(emptyAccount);
      expect(await ref.ask({ type: 'ctx' })).toMatchObject({ revision: 0 });
    });

    it('DurableEffect.delete() deletes the value at the next revision; the entity starts again from emptyState', async () => {
      const h = harness();
      const store = durableStore(h);
      const entityId = h.id();
      const ref = h.start().durableEntity(account(), entityId);
      await ref.ask({ type: 'deposit', amount: 3 });
      expect(await ref.ask({ type: 'close' })).toBe(0);
      expect(await store.get(ref.persistenceId)).toEqual({ value: null, revision: 2 });
      expect(await ref.ask({ type: 'deposit', amount: 4 })).toBe(4);
      expect(await store.get(ref.persistenceId)).toEqual({ value: { balance: 4, applied: [4] }, revision: 3 });
      const again = h.start().durableEntity(account(), entityId);
      expect(await again.ask({ type: 'ctx' })).toMatchObject({ revision: 3 });
    });

    it('tags every change with the definition tag', async () => {
      const h = harness();
      const store = durableStore(h);
      const ref = h.start().durableEntity(account({ tag: 'accounts' }), h.id());
      await ref.ask({ type: 'deposit', amount: 1 });
      await ref.ask({ type: 'deposit', amount: 2 });
      expect(store.changes.map((c) => c.tag)).toEqual(['accounts', 'accounts']);
    });

    it('handles commands one at a time, in arrival order, stashing those that arrive meanwhile', async () => {
      const h = harness();
      const ref = h.start().durableEntity(account(), h.id());
      const held = gate();
      const slow = ref.ask({ type: 'slowDeposit', amount: 100, wait: held.promise });
      const rest = Array.from({ length: 20 }, (_, i) => ref.ask({ type: 'deposit', amount: i }));
      held.open();
      const replies = await Promise.all([slow, ...rest]);
      let sum = 100;
      expect(replies).toEqual([100, ...Array.from({ length: 20 }, (_, i) => (sum += i))]);
      expect(await ref.ask<AccountState>({ type: 'get' })).toMatchObject({ applied: [100, ...Array.from({ length: 20 }, (_, i) => i)] });
    });

    it('runs side effects after the state is stored (a throwing one is logged), replies, and stops on request', async () => {
      const h = harness();
      const signals: DurableSignal[] = [];
      const ref = h.start().durableEntity(account({}, signals), h.id());
      const sink: number[] = [];
      expect(await ref.ask({ type: 'sideEffect', amount: 2, sink })).toBeUndefined();
      expect(sink).toEqual([2, 20]);
      expect(h.logger.find('error', 'side effect (thenRun) threw')).toHaveLength(1);
      expect(await ref.ask({ type: 'depositThenStop', amount: 1 })).toBe(3);
      expect(await ref.ask({ type: 'get' })).toEqual({ balance: 3, applied: [2, 1] });
      expect(await ref.ask({ type: 'stop' })).toBeUndefined();
      expect(await ref.ask({ type: 'ctx' })).toMatchObject({ revision: 2 });
      expect(signals.filter((s) => s.type === 'DurableStateLoaded')).toHaveLength(3);
    });

    it('an unhandled command or a handler that returns no DurableEffect fails that command only', async () => {
      const h = harness();
      const ref = h.start().durableEntity(account(), h.id());
      await ref.ask({ type: 'deposit', amount: 1 });
      await expect(ref.ask({ type: 'ignore' })).rejects.toBeInstanceOf(UnhandledCommandError);
      await expect(ref.ask({ type: 'notAnEffect' })).rejects.toThrow(/expected a DurableEffect/);
      expect(await ref.ask({ type: 'deposit', amount: 1 })).toBe(2);
    });

    it('a stale revision (another process wrote) fails that command with ConcurrencyError; the entity reloads first', async () => {
      const h = harness();
      const entityId = h.id();
      const mine = h.start().durableEntity(account(), entityId);
      const theirs = h.start().durableEntity(account(), entityId);
      expect(await mine.ask({ type: 'deposit', amount: 1 })).toBe(1);
      expect(await theirs.ask({ type: 'deposit', amount: 10 })).toBe(11);
      const error = await mine.ask({ type: 'deposit', amount: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ persistenceId: mine.persistenceId, expected: 3, actual: 2 });
      expect(await mine.ask({ type: 'get' })).toEqual({ balance: 11, applied: [1, 10] });
      expect(await mine.ask({ type: 'deposit', amount: 100 })).toBe(111);
    });

    it('a failing store fails the command with PersistFailedError, and the entity reloads before the next one', async () => {
      const h = harness();
      const store = durableStore(h);
      const ref = h.start().durableEntity(account(), h.id());
      await ref.ask({ type: 'deposit', amount: 1 });
      store.writeFailure = storeDown();
      const error = await ref.ask({ type: 'deposit', amount: 5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PersistFailedError);
      expect((error as Error).message).toMatch(/storing revision 2 of .*account\|.* failed/);
      store.writeFailure = undefined;
      expect(await ref.ask({ type: 'get' })).toEqual({ balance: 1, applied: [1] });
      expect(await ref.ask({ type: 'deposit', amount: 5 })).toBe(6);
    });

    it('a state the store cannot serialize fails that command only; state and revision stay', async () => {
      const h = harness();
      const ref = h.start().durableEntity(account(), h.id());
      await ref.ask({ type: 'deposit', amount: 1 });
      const error = await ref.ask({ type: 'storeRaw', state: { balance: Symbol('10') } }).catch((e: unknown) => e);
      expect(isMementoError(error, ErrorCodes.serialization)).toBe(true);
      expect((error as Error).message).toMatch(/state\.balance is a symbol/);
      expect(await ref.ask({ type: 'ctx' })).toMatchObject({ revision: 1 });
      expect(await ref.ask({ type: 'deposit', amount: 1 })).toBe(2);
    });

    it('a failing load fails the waiting commands with RecoveryError and signals RecoveryFailed; the next command retries', async () => {
      const h = harness();
      const store = durableStore(h);
      const signals: DurableSignal[] = [];
      const ref = h.start().durableEntity(account({}, signals), h.id());
      store.getFailure = storeDown();
      const error = await ref.ask({ type: 'get' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecoveryError);
      expect((error as Error).message).toMatch(/cannot load durable state of .*account\|.*store down/);
      expect(signals.map((s) => s.type)).toEqual(['RecoveryFailed']);
      store.getFailure = undefined;
      expect(await ref.ask({ type: 'deposit', amount: 2 })).toBe(2);
    });

    it('fails clearly without a durable state store, and validates definitions and references', async () => {
      const h = harness();
      const persistence = createPersistence({ journal: h.journal, snapshotStore: h.snapshotStore });
      expect(() => persistence.durableEntity(account(), 'x')).toThrow(InvalidStateError);
      expect(() => persistence.durableEntity(account(), 'x')).toThrow(/no durable state store configured/);
      await persistence.close();
      const started = h.start();
      expect(() => started.durableEntity(counter() as never, 'x')).toThrow(/a definition made by defineDurableEntity/);
      expect(() => started.durableEntity(account(), '')).toThrow(/expected a non-empty string/);
      expect(() => defineDurableEntity({ ...account(), name: 'a|b' })).toThrow(/options.name/);
      expect(() => defineDurableEntity({ ...account(), commandHandler: 1 as never })).toThrow(
        /options.commandHandler: expected a function, found 1 \(durable entity "account"\)/,
      );
      expect(() => defineDurableEntity({ ...account(), tag: '' })).toThrow(/options.tag/);
    });

    it('an event-sourced entity and a durable entity cannot share a persistence id', async () => {
      const h = harness();
      const persistence = h.start();
      const entityId = h.id();
      await persistence.durableEntity(account({ name: 'counter' }), entityId).ask({ type: 'deposit', amount: 1 });
      await expect(persistence.entity(counter(), entityId).ask({ type: 'get' })).rejects.toThrow(/already in use by another definition/);
    });
  });
}
