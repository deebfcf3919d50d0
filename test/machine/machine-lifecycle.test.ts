import { describe, expect, it } from 'vitest';
import {
  type Action,
  defineState,
  ErrorCodes,
  IterableReader,
  JournalReader,
  JournalWriter,
  Machine,
  MemoryJournal,
  MemoryRecorder,
  type Reader,
  type Writer,
} from '../../src/index.js';
import { deferred } from '../../src/machine/deferred.js';
import { LedgerState } from './ledger.js';

const action = (n: number, type = 'add'): Action => ({ id: `a${n}`, type, payload: { amount: n }, timestamp: 1000 + n });
const noWriter: Writer = {
  write: async () => {
    throw new Error('read-only');
  },
};

describe('defineState', () => {
  it('validates the definition with typed errors', () => {
    expect(() => defineState({ name: '', initialState: {}, actions: { a: (s) => s } })).toThrow(
      expect.objectContaining({ code: ErrorCodes.invalidArgument }),
    );
    expect(() => defineState({ name: 'x', initialState: undefined, actions: { a: (s) => s } })).toThrow(/initialState/);
    expect(() => defineState({ name: 'x', initialState: {}, actions: {} })).toThrow(/at least one action handler/);
    expect(() => defineState({ name: 'x', initialState: {}, actions: { a: 1 as never } })).toThrow(/definition.actions.a/);
  });

  it('lets handlers mutate a draft when given an immer-style produce', async () => {
    // A stand-in for immer's produce: copy, let the recipe mutate, return the copy.
    const produce = <S>(base: S, recipe: (draft: S) => S | undefined): S => {
      const draft = structuredClone(base);
      return recipe(draft) ?? draft;
    };
    const Counter = defineState({
      name: 'counter',
      initialState: { value: 0 },
      produce,
      actions: {
        increment(state, payload: { by: number }) {
          state.value += payload.by;
          return undefined;
        },
      },
    });
    const machine = new Machine(Counter, new IterableReader([{ id: '1', type: 'increment', payload: { by: 2 }, timestamp: 1 }]), noWriter);
    await machine.start();
    expect(await machine.caughtUp()).toEqual({ value: 2 });
    expect(Counter.initialState).toEqual({ value: 0 });
  });

  it('reports a handler that returns nothing without produce', async () => {
    const Broken = defineState({ name: 'broken', initialState: { n: 0 }, actions: { touch: () => undefined } });
    const errors: Error[] = [];
    const machine = new Machine(
      Broken,
      new IterableReader([{ id: '1', type: 'touch', payload: null, timestamp: 1 }]),
      noWriter,
      undefined,
      {
        onError: (error) => errors.push(error),
      },
    );
    await machine.start();
    expect(await machine.caughtUp()).toEqual({ n: 0 });
    expect(errors[0]?.message).toMatch(/returned undefined/);
  });
});

describe('Machine lifecycle', () => {
  it('validates its constructor arguments', () => {
    const reader = new IterableReader([]);
    expect(() => new Machine({} as never, reader, noWriter)).toThrow(
      expect.objectContaining({ code: ErrorCodes.invalidArgument, argument: 'definition' }),
    );
    expect(() => new Machine(LedgerState, {} as Reader, noWriter)).toThrow(expect.objectContaining({ argument: 'reader' }));
    expect(() => new Machine(LedgerState, reader, {} as Writer)).toThrow(expect.objectContaining({ argument: 'writer' }));
    expect(() => new Machine(LedgerState, reader, noWriter, {} as never)).toThrow(expect.objectContaining({ argument: 'recorder' }));
  });

  it('refuses run before start and after stop', async () => {
    const journal = new MemoryJournal();
    const machine = new Machine(LedgerState, new JournalReader(journal, 'life'), new JournalWriter(journal, 'life'));
    await expect(machine.run('add', { amount: 1 })).rejects.toMatchObject({ code: ErrorCodes.invalidState });
    await machine.start();
    expect(machine.status).toBe('running');
    await machine.stop();
    expect(machine.status).toBe('stopped');
    await expect(machine.run('add', { amount: 1 })).rejects.toMatchObject({ code: ErrorCodes.invalidState });
  });

  it('fails a run still waiting when the machine stops', async () => {
    const journal = new MemoryJournal();
    // This reader never delivers anything, so the run can only end by the stop.
    const silent: Reader = {
      read: (_afterId, { signal }) => ({
        [Symbol.asyncIterator]: () => ({
          next: () =>
            new Promise<IteratorResult<Action>>((resolve) =>
              signal.addEventListener('abort', () => resolve({ done: true, value: undefined })),
            ),
        }),
      }),
    };
    const journalWriter = new JournalWriter(journal, 'wait');
    const written = deferred<void>();
    const writer: Writer = {
      write: async (draft) => {
        const result = await journalWriter.write(draft);
        written.resolve();
        return result;
      },
    };
    const machine = new Machine(LedgerState, silent, writer);
    await machine.start();
    const pending = machine.run('add', { amount: 1 });
    // Stop only once the action is stored, so the run is waiting for it to come back.
    await written.promise;
    await machine.stop();
    await expect(pending).rejects.toMatchObject({ code: ErrorCodes.invalidState });
  });

  it('stops promptly even when a hand-written reader ignores the signal', async () => {
    const stuck: Reader = {
      read: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Action>>(() => {}) }) }),
    };
    const machine = new Machine(LedgerState, stuck, noWriter);
    await machine.start();
    await machine.stop();
    expect(machine.status).toBe('stopped');
  });

  it('restarts from the default MemoryRecorder without repeating actions', async () => {
    const recorder = new MemoryRecorder<typeof LedgerState.initialState>();
    const source = [action(1), action(2)];
    const machine = new Machine(LedgerState, new IterableReader(() => source), noWriter, recorder);
    await machine.start();
    await machine.caughtUp();
    await machine.stop();
    source.push(action(3));
    await machine.start();
    expect(await machine.caughtUp()).toEqual({ applied: ['a1', 'a2', 'a3'], total: 6 });
    const timeline = await recorder.getSnapshots();
    expect(timeline.map((snapshot) => snapshot.action?.id ?? null)).toEqual([null, 'a1', 'a2', null, 'a3']);
    expect(await machine.stateAt('a2')).toEqual({ applied: ['a1', 'a2'], total: 3 });
    expect((await machine.history()).map((entry) => entry.kind === 'event' && entry.event)).toEqual([
      { type: 'add', payload: { amount: 1 } },
      { type: 'add', payload: { amount: 2 } },
      { type: 'add', payload: { amount: 3 } },
    ]);
    await machine.stop();
  });

  it('fails start and caughtUp clearly when the reader cannot resume', async () => {
    const recorder = new MemoryRecorder();
    await recorder.afterDispatch({ action: action(9), state: { applied: ['a9'], total: 9 } });
    const errors: Error[] = [];
    const machine = new Machine(LedgerState, new IterableReader([action(1)]), noWriter, recorder as never, {
      onError: (error) => errors.push(error),
    });
    await machine.start();
    await expect(machine.caughtUp()).rejects.toMatchObject({ code: ErrorCodes.recovery });
    expect(machine.status).toBe('failed');
    expect(errors[0]?.message).toMatch(/does not contain it/);
    await machine.stop();
  });

  it('names the machine prefix once in the error of a reader that fails with its own machine error', async () => {
    const journal = new MemoryJournal();
    const writer = new JournalWriter(journal, 'ledger-gone');
    for (const amount of [1, 2, 3]) await writer.write({ type: 'add', payload: { amount }, timestamp: 1 });
    await journal.deleteTo('ledger-gone', 3);
    const errors: Error[] = [];
    const machine = new Machine(LedgerState, new JournalReader(journal, 'ledger-gone', { live: false }), noWriter, undefined, {
      logger: false,
      onError: (error) => errors.push(error),
    });
    await machine.start();
    const message =
      '[memento] [machine] [ledger] the reader failed after action null: cannot resume "ledger-gone": actions 1 to 3 are no longer in the journal (deleted?), so reading on would build a wrong state';
    await expect(machine.caughtUp()).rejects.toMatchObject({ code: ErrorCodes.recovery, message });
    expect(errors.map((error) => error.message)).toEqual([message]);
    await machine.stop();
  });

  it('fails start with a RecoveryError when the recorder cannot load', async () => {
    const machine = new Machine(LedgerState, new IterableReader([]), noWriter, {
      afterDispatch: async () => {},
      loadSnapshot: async () => {
        throw new Error('bucket missing');
      },
    });
    await expect(machine.start()).rejects.toMatchObject({ code: ErrorCodes.recovery, message: expect.stringMatching(/bucket missing/) });
  });

  it('emits dispatch events and skips malformed delivered actions', async () => {
    const errors: Error[] = [];
    const machine = new Machine(LedgerState, new IterableReader([action(1), { type: 'add' } as Action, action(2)]), noWriter, undefined, {
      onError: (error) => errors.push(error),
    });
    const seen: string[] = [];
    machine.on('dispatch', (snapshot) => seen.push(snapshot.action?.id ?? 'null'));
    await machine.start();
    await machine.caughtUp();
    expect(seen).toEqual(['a1', 'a2']);
    expect(errors[0]?.message).toMatch(/delivered action.id/);
  });
});
