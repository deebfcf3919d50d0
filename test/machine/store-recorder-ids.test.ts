import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Action,
  IterableReader,
  JournalWriter,
  Machine,
  MemoryJournal,
  MemoryRecorder,
  MemorySnapshotStore,
  type SnapshotMetadata,
  SnapshotSelectionCriteria,
  StoreRecorder,
} from '../../src/index.js';
import { type Ledger, LedgerState } from './ledger.js';

/** Actions as a mintBlue reader yields them: transaction ids, no sequence numbers. */
const tx = (name: string): Action => ({ id: `tx-${name}`, type: 'add', payload: { amount: 1 }, timestamp: 1000 });
const source = ['9f2c', 'a013', '77be', 'c4d1', '0e5a'].map(tx);

async function stored(store: MemorySnapshotStore, persistenceId: string): Promise<Array<[number, string | undefined]>> {
  const found: Array<[number, string | undefined]> = [];
  for await (const metadata of store.list(persistenceId)) {
    const sequenceNr = (metadata as SnapshotMetadata).sequenceNr;
    const selected = await store.load(
      persistenceId,
      new SnapshotSelectionCriteria({ minSequenceNr: sequenceNr, maxSequenceNr: sequenceNr }),
    );
    found.push([sequenceNr, (selected?.snapshot as { action: Action | null } | undefined)?.action?.id]);
  }
  return found;
}

/** A store that resolves `saved` after each successful save, so tests wait for the save itself. */
function watchedStore(): { store: MemorySnapshotStore; nextSave: () => Promise<number> } {
  const store = new MemorySnapshotStore();
  const waiting: Array<(sequenceNr: number) => void> = [];
  const original = store.save.bind(store);
  store.save = async (metadata, value) => {
    await original(metadata, value);
    waiting.shift()?.(metadata.sequenceNr);
  };
  return { store, nextSave: () => new Promise((resolve) => waiting.push(resolve)) };
}

const machineOver = (actions: Action[], recorder: StoreRecorder<Ledger>) =>
  new Machine(LedgerState, new IterableReader(actions), new JournalWriter(new MemoryJournal(), 'unused'), recorder);

describe('StoreRecorder over a reader whose action ids are not numbers (tx-9f2c)', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  });

  it('debounceMs saves the latest state, placed by counting actions, with no error and nothing unhandled', async () => {
    const { store, nextSave } = watchedStore();
    const errors: Error[] = [];
    const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'tx', debounceMs: 0, onError: (error) => errors.push(error) });
    const saved = nextSave();
    const machine = machineOver(source.slice(0, 3), recorder);
    await machine.start();
    await machine.caughtUp();
    expect(await saved).toBe(3);
    await machine.stop();
    expect(errors).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(await stored(store, 'tx')).toEqual([[3, 'tx-77be']]);
  });

  it('every: N saves every Nth action, and a restarted machine resumes after the saved id', async () => {
    const store = new MemorySnapshotStore();
    const errors: Error[] = [];
    const options = { persistenceId: 'tx-every', every: 2, onError: (error: Error) => errors.push(error) };
    const first = machineOver(source.slice(0, 3), new StoreRecorder<Ledger>(store, options));
    await first.start();
    await first.caughtUp();
    await first.stop();
    expect(await stored(store, 'tx-every')).toEqual([
      [2, 'tx-a013'],
      [3, 'tx-77be'],
    ]);

    const recorder = new StoreRecorder<Ledger>(store, options);
    const second = machineOver(source, recorder);
    await second.start();
    expect(await second.caughtUp()).toEqual({ applied: source.map((action) => action.id), total: 5 });
    await second.stop();
    expect(await stored(store, 'tx-every')).toEqual([
      [2, 'tx-a013'],
      [3, 'tx-77be'],
      [4, 'tx-c4d1'],
      [5, 'tx-0e5a'],
    ]);
    expect(errors).toEqual([]);
    expect(unhandled).toEqual([]);
    expect((await recorder.loadSnapshot('tx-a013'))?.state).toEqual({ applied: ['tx-9f2c', 'tx-a013'], total: 2 });
    expect(await recorder.loadSnapshot('tx-ffff')).toBeNull();
  });

  it('loadSnapshot(id) finds the snapshot by its action id when sequenceNrOf places actions', async () => {
    const store = new MemorySnapshotStore();
    // Decimal ids that are not positions: a block height, placed by sequenceNrOf.
    const blocks: Action[] = [700, 701, 702].map((height) => ({ id: String(height), type: 'add', payload: { amount: 1 }, timestamp: 1 }));
    const recorder = new StoreRecorder<Ledger>(store, {
      persistenceId: 'blocks',
      every: 1,
      sequenceNrOf: (action) => Number(action.id) - 699,
    });
    const machine = machineOver(blocks, recorder);
    await machine.start();
    await machine.caughtUp();
    await machine.stop();
    expect(await stored(store, 'blocks')).toEqual([
      [1, '700'],
      [2, '701'],
      [3, '702'],
    ]);
    expect((await recorder.loadSnapshot('701'))?.state).toEqual({ applied: ['700', '701'], total: 2 });
  });

  it('a failing sequenceNrOf reaches onError, even from the debounce timer, and the machine keeps running', async () => {
    const { store, nextSave } = watchedStore();
    const errors: string[] = [];
    const recorder = new StoreRecorder<Ledger>(store, {
      persistenceId: 'tx-failing',
      debounceMs: 0,
      sequenceNrOf: (action) => {
        if (action.id === 'tx-a013') throw new Error(`no position for ${action.id}`);
        return action.id === 'tx-9f2c' ? 1 : 3;
      },
      onError: (error, snapshot) => errors.push(`${error.message} @${snapshot.action?.id}`),
    });
    const saved = nextSave();
    const machine = machineOver(source.slice(0, 3), recorder);
    await machine.start();
    expect((await machine.caughtUp()).total).toBe(3);
    expect(await saved).toBe(3);
    await machine.stop();
    expect(errors).toEqual(['no position for tx-a013 @tx-a013']);
    expect(unhandled).toEqual([]);
  });

  it('a store that fails from the debounce timer reaches onError, not the process', async () => {
    const store = new MemorySnapshotStore();
    const failed = new Promise<string>((resolve) => {
      store.save = async () => {
        throw new Error('bucket gone');
      };
      const recorder = new StoreRecorder<Ledger>(store, {
        persistenceId: 'tx-store-fails',
        debounceMs: 0,
        onError: (error) => resolve(error.message),
      });
      void recorder.afterDispatch({ action: tx('9f2c'), state: { applied: ['tx-9f2c'], total: 1 } });
    });
    expect(await failed).toBe('bucket gone');
    expect(unhandled).toEqual([]);
  });
});

describe('createSnapshot', () => {
  it('StoreRecorder: before any action it saves the initial state at 0, and a machine starts from it', async () => {
    const store = new MemorySnapshotStore();
    const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'initial' });
    const machine = machineOver(source.slice(0, 2), recorder);
    await machine.createSnapshot();
    expect(await stored(store, 'initial')).toEqual([[0, undefined]]);
    expect(await recorder.loadSnapshot()).toEqual({ action: null, state: LedgerState.initialState });
    await machine.start();
    expect(await machine.caughtUp()).toEqual({ applied: ['tx-9f2c', 'tx-a013'], total: 2 });
    await machine.createSnapshot();
    expect(await stored(store, 'initial')).toEqual([
      [0, undefined],
      [2, 'tx-a013'],
    ]);
    await machine.stop();
  });

  it('StoreRecorder refuses to place an old action whose id names no position', async () => {
    const recorder = new StoreRecorder<Ledger>(new MemorySnapshotStore(), { persistenceId: 'unplaceable' });
    await recorder.afterDispatch({ action: tx('9f2c'), state: { applied: ['tx-9f2c'], total: 1 } });
    await recorder.afterDispatch({ action: tx('a013'), state: { applied: ['tx-9f2c', 'tx-a013'], total: 2 } });
    await expect(recorder.createSnapshot({ action: tx('9f2c'), state: { applied: ['tx-9f2c'], total: 1 } })).rejects.toThrow(
      /snapshot.action.*expected the latest action/,
    );
  });
});

describe('MemoryRecorder.createSnapshot', () => {
  it('before any action records the initial state once; after actions it records no duplicate', async () => {
    const recorder = new MemoryRecorder<Ledger>();
    const machine = new Machine(
      LedgerState,
      new IterableReader(source.slice(0, 2)),
      new JournalWriter(new MemoryJournal(), 'unused'),
      recorder,
    );
    await machine.createSnapshot();
    expect(await recorder.getSnapshots()).toEqual([{ action: null, state: LedgerState.initialState }]);
    await machine.start();
    await machine.caughtUp();
    await machine.createSnapshot();
    await machine.createSnapshot();
    expect((await recorder.getSnapshots()).map((snapshot) => snapshot.action?.id ?? null)).toEqual([null, 'tx-9f2c', 'tx-a013']);
    await machine.stop();
  });
});
