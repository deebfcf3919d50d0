/** One command at a time, the stash, competing writers, persist failures and rejections. */
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  ErrorCodes,
  isConcurrencyError,
  isMementoError,
  PersistFailedError,
  StashOverflowError,
} from '../../../src/index.js';
import { type CounterState, counter } from '../support/counter.js';
import { gate, storeDown } from '../support/faulty-stores.js';
import type { MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';

export function concurrencyTests(makeStores: MakeStores): void {
  describe('concurrency and lifecycle', () => {
    const harness = useHarness(makeStores);

    it('handles commands one at a time, in arrival order, stashing those sent during recovery and persists', async () => {
      const { start, id } = harness();
      const ref = start().entity(counter(), id());
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => ref.ask({ type: 'add', amount: i })));
      let sum = 0;
      expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => (sum += i)));
      expect(await ref.ask<CounterState>({ type: 'get' })).toMatchObject({ applied: Array.from({ length: 50 }, (_, i) => i) });
    });

    it('a full stash refuses only the overflowing caller', async () => {
      const { start, id, journal } = harness();
      const ref = start({ stashCapacity: 2 }).entity(counter(), id());
      await ref.ask({ type: 'add', amount: 1 });
      const held = gate();
      journal.writeGate = held.promise;
      const arrived = journal.nextWrite();
      const inFlight = ref.ask({ type: 'add', amount: 1 });
      await arrived;
      const stashed = [ref.ask({ type: 'add', amount: 1 }), ref.ask({ type: 'add', amount: 1 })];
      const overflow = await ref.ask({ type: 'add', amount: 100 }).catch((e: unknown) => e);
      expect(overflow).toBeInstanceOf(StashOverflowError);
      expect((overflow as Error).message).toMatch(/stash full \(2 commands waiting\)/);
      expect(isMementoError(overflow, ErrorCodes.stashOverflow)).toBe(true);
      journal.writeGate = undefined;
      held.open();
      expect(await Promise.all([inFlight, ...stashed])).toEqual([2, 3, 4]);
    });

    it('two runtimes writing one id: the loser fails with ConcurrencyError and reloads before its next command', async () => {
      const { start, id } = harness();
      const entityId = id();
      const a = start().entity(counter(), entityId);
      const b = start().entity(counter(), entityId);
      expect(await a.ask({ type: 'add', amount: 1 })).toBe(1);
      expect(await b.ask({ type: 'add', amount: 10 })).toBe(11);
      const lost = await a.ask({ type: 'add', amount: 100 }).catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(ConcurrencyError);
      expect(isConcurrencyError(lost)).toBe(true);
      expect(await a.ask({ type: 'add', amount: 100 })).toBe(111);
      expect(await a.ask<CounterState>({ type: 'get' })).toEqual({ value: 111, applied: [1, 10, 100] });
    });

    it('the loser’s pending asks of that persist fail with the ConcurrencyError; later ones run on the reloaded state', async () => {
      const { start, id, journal } = harness();
      const entityId = id();
      const a = start().entity(counter(), entityId);
      const b = start().entity(counter(), entityId);
      await a.ask({ type: 'get' });
      await b.ask({ type: 'add', amount: 5 });
      const held = gate();
      journal.writeGate = held.promise;
      const arrived = journal.nextWrite();
      const losing = a.ask({ type: 'add', amount: 1 }).catch((e: unknown) => e);
      await arrived;
      // The losing persist is held at the journal, so this ask queues behind it.
      const next = a.ask({ type: 'add', amount: 2 });
      expect(journal.writes).toHaveLength(1);
      journal.writeGate = undefined;
      held.open();
      expect(await losing).toBeInstanceOf(ConcurrencyError);
      expect(await next).toBe(7);
    });

    it('a journal write failure fails the ask and stops the entity; the next command recovers it', async () => {
      const { start, id, journal, logger } = harness();
      const persistence = start();
      const ref = persistence.entity(counter(), id());
      await ref.ask({ type: 'add', amount: 1 });
      journal.writeFailure = storeDown();
      const error = await ref.ask({ type: 'add', amount: 2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PersistFailedError);
      expect((error as Error).message).toMatch(/entity was stopped and recovers on its next command: .*store down/);
      await persistence.idle();
      expect(persistence.entitiesInMemory).toBe(0);
      expect(logger.find('error', 'journal write failed')).toHaveLength(1);
      journal.writeFailure = undefined;
      expect(await ref.ask({ type: 'add', amount: 3 })).toBe(4);
    });

    it('a rejected write (unserializable event) fails that command only, state unchanged', async () => {
      const { start, id } = harness();
      const persistence = start();
      const ref = persistence.entity(counter(), id());
      await ref.ask({ type: 'add', amount: 1 });
      // A function cannot be stored as it is (a BigInt can: the JSON serializer tags it).
      const error = await ref.ask({ type: 'persistRaw', event: { type: 'added', amount: () => 10 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/event\.amount is a function/);
      expect(isConcurrencyError(error)).toBe(false);
      expect(persistence.entitiesInMemory).toBe(1);
      expect(await ref.ask({ type: 'add', amount: 2 })).toBe(3);
      expect(await ref.ask({ type: 'ctx' })).toMatchObject({ lastSequenceNr: 2 });
    });

    it('maxEntities passivates the least recently used idle entities; they recover on next use', async () => {
      const { start, id } = harness();
      const persistence = start({ passivation: { maxEntities: 2 } });
      const refs = [id(), id(), id()].map((entityId) => persistence.entity(counter(), entityId));
      for (const [index, ref] of refs.entries()) await ref.ask({ type: 'add', amount: index + 1 });
      await persistence.idle();
      expect(persistence.entitiesInMemory).toBe(2);
      await refs[1]?.ask({ type: 'get' });
      await refs[0]?.ask({ type: 'get' }); // evicts refs[2], the least recently used
      await persistence.idle();
      expect(persistence.entitiesInMemory).toBe(2);
      expect(await Promise.all(refs.map((ref) => ref.ask({ type: 'add', amount: 10 })))).toEqual([11, 12, 13]);
    });
  });
}
