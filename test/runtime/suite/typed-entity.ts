/** Typed entities: effects, replies, persistence ids, validation. */
import { describe, expect, it } from 'vitest';
import {
  defineEntity,
  Effect,
  ErrorCodes,
  isMementoError,
  PERSISTENCE_ID_SEPARATOR,
  PersistenceClosedError,
  type Signal,
} from '../../../src/index.js';
import { type CounterCommand, type CounterEvent, type CounterState, counter, counterOptions } from '../support/counter.js';
import type { MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';

export function typedEntityTests(makeStores: MakeStores): void {
  describe('typed entities', () => {
    const harness = useHarness(makeStores);

    it('persists events, applies them and replies with the new state', async () => {
      const { start, id } = harness();
      const persistence = start();
      const ref = persistence.entity(counter(), id());
      expect(await ref.ask({ type: 'add', amount: 2 })).toBe(2);
      expect(await ref.ask({ type: 'addAll', amounts: [3, 4] })).toBe(9);
      expect(await ref.ask<CounterState>({ type: 'get' })).toEqual({ value: 9, applied: [2, 3, 4] });
    });

    it('keeps state across a restart on the same stores', async () => {
      const { start, id } = harness();
      const entityId = id();
      const first = start();
      await first.entity(counter(), entityId).ask({ type: 'addAll', amounts: [1, 2, 3] });
      await first.close();
      const second = start();
      expect(await second.entity(counter(), entityId).ask<CounterState>({ type: 'get' })).toEqual({ value: 6, applied: [1, 2, 3] });
    });

    it('uses name|id as persistence id and hands it to the command handler', async () => {
      const { start, id, journal } = harness();
      const entityId = id('with|bar');
      const ref = start().entity(counter(), entityId);
      expect(PERSISTENCE_ID_SEPARATOR).toBe('|');
      expect(ref.persistenceId).toBe(`counter|${entityId}`);
      await ref.ask({ type: 'add', amount: 1 });
      expect(await ref.ask({ type: 'ctx' })).toEqual({ persistenceId: `counter|${entityId}`, entityId, lastSequenceNr: 1 });
      expect(journal.writes[0]?.persistenceId).toBe(`counter|${entityId}`);
    });

    it('validates names, ids and options with typed errors', () => {
      const persistence = harness().start();
      expect(() => defineEntity(counterOptions({ name: 'a|b' }))).toThrow(/options.name "a\|b".*no "\|"/);
      expect(() => defineEntity(counterOptions({ name: '' }))).toThrow(expect.objectContaining({ code: ErrorCodes.invalidArgument }));
      expect(() => defineEntity(counterOptions({ retention: { snapshotEvery: 0 } }))).toThrow(
        /retention.snapshotEvery.*integer >= 1, found 0/,
      );
      expect(() => defineEntity(counterOptions({ snapshotVersion: 1.5 }))).toThrow(/snapshotVersion.*found 1.5/);
      expect(() => defineEntity({ ...counterOptions(), eventHandler: 'no' as never })).toThrow(/eventHandler.*a function/);
      expect(() => persistence.entity(counter(), '')).toThrow(/id of entity "counter"/);
      expect(() => persistence.entity(counter(), 'x\u0000')).toThrow(expect.objectContaining({ code: ErrorCodes.invalidPersistenceId }));
      expect(() => persistence.entity(counter(), 'x'.repeat(300))).toThrow(/at most 255 UTF-8 bytes/);
      expect(() => persistence.entity({} as never, 'x')).toThrow(/definition made by defineEntity/);
    });

    it('Effect.none and Effect.reply persist nothing', async () => {
      const { start, id, journal } = harness();
      const ref = start().entity(counter(), id());
      expect(await ref.ask({ type: 'snapshot' })).toBe(0);
      expect(await ref.ask<CounterState>({ type: 'get' })).toEqual({ value: 0, applied: [] });
      expect(journal.writes).toHaveLength(0);
    });

    it('Effect.unhandled fails that ask only', async () => {
      const { start, id } = harness();
      const ref = start().entity(counter(), id());
      const error = await ref.ask({ type: 'ignore' }).catch((e: unknown) => e);
      expect(isMementoError(error, ErrorCodes.unhandledCommand)).toBe(true);
      expect(await ref.ask({ type: 'add', amount: 1 })).toBe(1);
    });

    it('thenRun runs side effects in order with the new state, and a throwing one does not lose the reply', async () => {
      const { start, id } = harness();
      const ref = start().entity(counter(), id());
      const sink: number[] = [];
      await ref.ask({ type: 'sideEffect', amount: 5, sink });
      expect(sink).toEqual([5, 50]);
      const failing = defineEntity({
        ...counterOptions(),
        name: 'side',
        commandHandler: () =>
          Effect.persist<{ type: 'added'; amount: number }, CounterState>({ type: 'added', amount: 1 })
            .thenRun(() => {
              throw new Error('boom');
            })
            .thenReply((s) => s.value),
      });
      expect(await start().entity(failing, id()).ask({ type: 'get' })).toBe(1);
    });

    it('Effect.stop and thenStop passivate; the next command recovers the state', async () => {
      const { start, id } = harness();
      const signals: Signal[] = [];
      const persistence = start();
      const ref = persistence.entity(counter({}, signals), id());
      expect(await ref.ask({ type: 'addThenStop', amount: 4 })).toBe(4);
      await persistence.idle();
      expect(persistence.entitiesInMemory).toBe(0);
      expect(await ref.ask({ type: 'add', amount: 1 })).toBe(5);
      await ref.ask({ type: 'stop' });
      await persistence.idle();
      expect(persistence.entitiesInMemory).toBe(0);
      expect(await ref.ask<CounterState>({ type: 'get' })).toEqual({ value: 5, applied: [4, 1] });
      expect(signals.filter((s) => s.type === 'RecoveryCompleted')).toHaveLength(3);
    });

    it('tell sends without waiting and logs failures', async () => {
      const { start, id, logger } = harness();
      const persistence = start();
      const ref = persistence.entity(counter(), id());
      ref.tell({ type: 'add', amount: 3 });
      ref.tell({ type: 'ignore' });
      expect(await ref.ask({ type: 'add', amount: 1 })).toBe(4);
      expect(logger.find('warn', 'tell failed')).toHaveLength(1);
    });

    it('a command handler that throws fails that ask, state unchanged', async () => {
      const { start, id } = harness();
      const definition = defineEntity<CounterState, CounterCommand, CounterEvent>({
        ...counterOptions(),
        commandHandler: (_state, command) => {
          if (command.type === 'ignore') throw new Error('bad command');
          return Effect.persist<{ type: 'added'; amount: number }, CounterState>({ type: 'added', amount: 1 }).thenReply((s) => s.value);
        },
      });
      const ref = start().entity(definition, id());
      await expect(ref.ask({ type: 'ignore' })).rejects.toThrow('bad command');
      expect(await ref.ask({ type: 'get' })).toBe(1);
    });

    it('a command handler that returns something other than an Effect fails that ask with a clear error', async () => {
      const { start, id } = harness();
      const definition = defineEntity<CounterState, CounterCommand, CounterEvent>({
        ...counterOptions(),
        commandHandler: () => 42 as never,
      });
      await expect(start().entity(definition, id()).ask({ type: 'get' })).rejects.toThrow(/commandHandler result .*expected an Effect/);
    });

    it('close() finishes queued work, closes the stores, and refuses later commands', async () => {
      const { start, id } = harness();
      const persistence = start();
      const ref = persistence.entity(counter(), id());
      const pending = ref.ask({ type: 'add', amount: 7 });
      await persistence.close();
      expect(await pending).toBe(7);
      await expect(ref.ask({ type: 'get' })).rejects.toThrow(/persistence is closed/);
      await persistence.close();
    });

    it('tell after close() throws PersistenceClosedError naming the entity, as ask rejects with it', async () => {
      const { start, id } = harness();
      const persistence = start();
      const ref = persistence.entity(counter(), id());
      const persistenceId = ref.persistenceId;
      ref.tell({ type: 'add', amount: 1 });
      await persistence.close();
      let thrown: unknown;
      try {
        ref.tell({ type: 'add', amount: 1 });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PersistenceClosedError);
      expect(thrown).toMatchObject({ persistenceId, message: expect.stringContaining(JSON.stringify(persistenceId)) });
      await expect(ref.ask({ type: 'get' })).rejects.toBeInstanceOf(PersistenceClosedError);
    });
  });
}
