/**
 * The machine suite, parametrised by a store factory so every backend (memory, SQLite,
 * PostgreSQL) runs the same checks: `machineSuite('sqlite', () => ({ journal, snapshotStore }))`.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Action,
  ErrorCodes,
  InvalidArgumentError,
  type Journal,
  JournalReader,
  JournalWriter,
  Machine,
  type Recorder,
  type Snapshot,
  type SnapshotStore,
  StoreRecorder,
} from '../../src/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { type Ledger, LedgerState } from './ledger.js';

/** Stores for one test; `close` releases them. */
export interface MachineStores {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly close?: () => Promise<void>;
}

/** Makes fresh, empty stores. */
export type MachineStoresFactory = () => MachineStores | Promise<MachineStores>;

let counter = 0;
const uniqueId = (prefix: string): string => `${prefix}-${process.pid}-${Date.now()}-${++counter}`;

/** A recorder that remembers every call, in order. */
class SpyRecorder implements Recorder<Ledger> {
  readonly calls: Snapshot<Ledger>[] = [];
  async afterDispatch(snapshot: Snapshot<Ledger>): Promise<void> {
    this.calls.push(snapshot);
  }
}

/** Options of {@link machineSuite}. */
export interface MachineSuiteOptions {
  /** Runs of the property-based test; each run costs a few dozen store round trips. @default 40 */
  readonly propertyRuns?: number;
}

/** Runs the machine suite against the stores `makeStores` returns. */
export function machineSuite(name: string, makeStores: MachineStoresFactory, options: MachineSuiteOptions = {}): void {
  describe(`Machine over ${name} stores`, () => {
    const opened: MachineStores[] = [];
    const machines: Machine<Ledger, typeof LedgerState.actions>[] = [];

    const stores = async (): Promise<MachineStores> => {
      const made = await makeStores();
      opened.push(made);
      return made;
    };
    const machine = (
      journal: Journal,
      persistenceId: string,
      recorder?: Recorder<Ledger>,
      onError?: (error: Error, action: Action | null) => void,
    ) => {
      const made = new Machine(
        LedgerState,
        new JournalReader(journal, persistenceId, { pollIntervalMs: 5 }),
        new JournalWriter(journal, persistenceId),
        recorder,
        onError ? { onError } : {},
      );
      machines.push(made);
      return made;
    };

    afterEach(async () => {
      for (const made of machines.splice(0)) await made.stop();
      for (const made of opened.splice(0)) {
        if (made.close) await made.close();
        else {
          await made.journal.close();
          await made.snapshotStore.close();
        }
      }
    });

    it('run resolves with the state after the reader delivered the action back', async () => {
      const { journal } = await stores();
      const ledger = machine(journal, uniqueId('run'));
      await ledger.start();
      const after = await ledger.run('add', { amount: 5 });
      expect(after).toEqual({ applied: ['1'], total: 5 });
      expect(await ledger.dispatch('add', { amount: 2 })).toEqual({ applied: ['1', '2'], total: 7 });
      expect(ledger.lastAction).toMatchObject({ id: '2', type: 'add', payload: { amount: 2 } });
      expect(typeof ledger.lastAction?.timestamp).toBe('number');
    });

    it('tells the recorder about every dispatch, the initial state first with action null', async () => {
      const { journal } = await stores();
      const spy = new SpyRecorder();
      const ledger = machine(journal, uniqueId('spy'), spy);
      await ledger.start();
      await ledger.run('add', { amount: 1 });
      await ledger.runMany([
        { type: 'add', payload: { amount: 2 } },
        { type: 'add', payload: { amount: 3 } },
      ]);
      expect(spy.calls.map((call) => call.action?.id ?? null)).toEqual([null, '1', '2', '3']);
      expect(spy.calls[0]?.state).toEqual(LedgerState.initialState);
      expect(spy.calls.map((call) => call.state.total)).toEqual([0, 1, 3, 6]);
      expect(spy.calls[2]?.action).toMatchObject({ type: 'add', payload: { amount: 2 } });
    });

    it('reports unknown action types and skips them, leaving the state unchanged', async () => {
      const { journal } = await stores();
      const persistenceId = uniqueId('unknown');
      const errors: [Error, Action | null][] = [];
      const ledger = machine(journal, persistenceId, undefined, (error, action) => errors.push([error, action]));
      const events: Error[] = [];
      ledger.on('error', (error) => events.push(error));
      await ledger.start();
      await expect(ledger.run('burn' as 'add', { amount: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
      // Another writer (say, a newer version of the app) appends a type this machine does not know.
      await new JournalWriter(journal, persistenceId).write({ type: 'burn', payload: {}, timestamp: Date.now() });
      const after = await ledger.run('add', { amount: 4 });
      expect(after).toEqual({ applied: ['2'], total: 4 });
      expect(errors).toHaveLength(1);
      expect(errors[0]?.[0].message).toMatch(/expected one of add, fail, found "burn"/);
      expect(errors[0]?.[1]?.id).toBe('1');
      expect(events).toHaveLength(1);
    });

    it('rejects run when the handler throws, skipping the action on every machine', async () => {
      const { journal } = await stores();
      const errors: Error[] = [];
      const ledger = machine(journal, uniqueId('fail'), undefined, (error) => errors.push(error));
      await ledger.start();
      await expect(ledger.run('fail', { reason: 'no such tree' })).rejects.toThrow('no such tree');
      expect(ledger.state).toEqual(LedgerState.initialState);
      expect(await ledger.run('add', { amount: 1 })).toEqual({ applied: ['2'], total: 1 });
      expect(errors.map((error) => error.message)).toEqual(['no such tree']);
    });

    it('two machines on one journal agree, with concurrent writers retried', async () => {
      const { journal } = await stores();
      const persistenceId = uniqueId('pair');
      const left = machine(journal, persistenceId);
      const right = machine(journal, persistenceId);
      await Promise.all([left.start(), right.start()]);
      const bothApplied = Promise.all([applied(left, 20), applied(right, 20)]);
      await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? left : right).run('add', { amount: index })));
      await Promise.all([left.caughtUp(), right.caughtUp()]);
      await bothApplied;
      expect(left.state).toEqual(right.state);
      expect(left.state.applied).toEqual(Array.from({ length: 20 }, (_, index) => String(index + 1)));
      expect(left.state.total).toBe(190);
    });

    it('resumes strictly after the snapshot: never skips or repeats an action', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ actions: fc.integer({ min: 0, max: 6 }), graceful: fc.boolean(), batch: fc.boolean() }), {
            minLength: 1,
            maxLength: 5,
          }),
          fc.integer({ min: 1, max: 4 }),
          async (sessions, every) => {
            const { journal, snapshotStore } = await stores();
            const persistenceId = uniqueId('resume');
            let written = 0;
            for (const session of sessions) {
              const store = new StoreRecorder<Ledger>(snapshotStore, { persistenceId, every });
              // A crash loses what was not flushed: hide stop/flush so only `every` snapshots exist.
              const recorder: Recorder<Ledger> = session.graceful
                ? store
                : { afterDispatch: (s) => store.afterDispatch(s), loadSnapshot: (id) => store.loadSnapshot(id) };
              const ledger = machine(journal, persistenceId, recorder);
              await ledger.start();
              await ledger.caughtUp();
              expect(ledger.state.applied).toEqual(ids(written));
              const amounts = Array.from({ length: session.actions }, (_, index) => ({ type: 'add' as const, payload: { amount: index } }));
              if (session.batch) await ledger.runMany(amounts);
              else for (const action of amounts) await ledger.run(action.type, action.payload);
              written += session.actions;
              // Graceful: stop() flushes the latest state. Crash: only the every-N snapshots exist.
              await ledger.stop();
            }
            const last = machine(journal, persistenceId, new StoreRecorder<Ledger>(snapshotStore, { persistenceId, every }));
            await last.start();
            await last.caughtUp();
            expect(last.state.applied).toEqual(ids(written));
            await last.stop();
          },
        ),
        { numRuns: propertyRuns(options.propertyRuns ?? 40) },
      );
    });

    it('StoreRecorder snapshots every N, keeps the newest, and loads by action id', async () => {
      const { journal, snapshotStore } = await stores();
      const persistenceId = uniqueId('every');
      const recorder = new StoreRecorder<Ledger>(snapshotStore, { persistenceId, every: 3, keep: 2 });
      const ledger = machine(journal, persistenceId, recorder);
      await ledger.start();
      await ledger.runMany(Array.from({ length: 10 }, () => ({ type: 'add' as const, payload: { amount: 1 } })));
      await recorder.flush();
      // flush adds the latest (10) to the every-3 snapshots (3, 6, 9); keep 2 leaves 9 and 10.
      const kept = (await recorder.getSnapshots()).map((snapshot) => snapshot.action?.id);
      expect(kept).toEqual(['9', '10']);
      expect((await recorder.loadSnapshot('9'))?.state.total).toBe(9);
      expect(await recorder.loadSnapshot('6')).toBeNull();
      expect((await recorder.loadSnapshot())?.action?.id).toBe('10');
    });

    it('starts from the recorder snapshot and replays only what follows it', async () => {
      const { journal, snapshotStore } = await stores();
      const persistenceId = uniqueId('restart');
      const first = machine(journal, persistenceId, new StoreRecorder<Ledger>(snapshotStore, { persistenceId, every: 4 }));
      await first.start();
      await first.runMany(Array.from({ length: 6 }, () => ({ type: 'add' as const, payload: { amount: 2 } })));
      await first.stop();
      const spy = new SpyRecorder();
      const store = new StoreRecorder<Ledger>(snapshotStore, { persistenceId });
      const second = machine(journal, persistenceId, {
        afterDispatch: (snapshot) => spy.afterDispatch(snapshot),
        loadSnapshot: () => store.loadSnapshot(),
      });
      await second.start();
      await second.caughtUp();
      expect(second.state.total).toBe(12);
      // The graceful stop saved action 6: nothing is replayed, the first call carries the loaded state.
      expect(spy.calls.map((call) => call.action?.id ?? null)).toEqual([null]);
      expect(spy.calls[0]?.state.total).toBe(12);
    });

    it('travels through its history and rebuilds past states', async () => {
      const { journal, snapshotStore } = await stores();
      const persistenceId = uniqueId('travel');
      const recorder = new StoreRecorder<Ledger>(snapshotStore, { persistenceId, every: 2 });
      const ledger = machine(journal, persistenceId, recorder);
      await ledger.start();
      for (let amount = 1; amount <= 5; amount++) await ledger.run('add', { amount });
      await recorder.flush();
      const history = await ledger.history();
      expect(history.filter((entry) => entry.kind === 'event').map((entry) => entry.sequenceNr)).toEqual([1, 2, 3, 4, 5]);
      // Every 2 gives 2 and 4; the flush adds the latest, 5.
      expect(history.filter((entry) => entry.kind === 'snapshot').map((entry) => entry.sequenceNr)).toEqual([2, 4, 5]);
      expect(history.map((entry) => entry.kind)).toEqual(['event', 'event', 'snapshot', 'event', 'event', 'snapshot', 'event', 'snapshot']);
      expect(await ledger.stateAt('3')).toEqual({ applied: ['1', '2', '3'], total: 6 });
      expect(await ledger.stateAt(null)).toEqual(LedgerState.initialState);
      await expect(ledger.stateAt('9')).rejects.toMatchObject({ code: ErrorCodes.invalidArgument });
    });
  });
}

const ids = (count: number): string[] => Array.from({ length: count }, (_, index) => String(index + 1));

/** Resolves once `machine` has applied `count` actions, on the dispatch event that brings it there. */
function applied(
  machine: { readonly state: Ledger; on(event: 'dispatch', listener: () => void): () => void },
  count: number,
): Promise<void> {
  return new Promise((resolve) => {
    if (machine.state.applied.length >= count) return resolve();
    const unsubscribe = machine.on('dispatch', () => {
      if (machine.state.applied.length < count) return;
      unsubscribe();
      resolve();
    });
  });
}
