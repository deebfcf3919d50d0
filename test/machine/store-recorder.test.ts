import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Action,
  ErrorCodes,
  IterableReader,
  JournalReader,
  JournalWriter,
  Machine,
  type MachineRecoveryReport,
  MemoryJournal,
  MemorySnapshotStore,
  type OperationEvent,
  Serialization,
  type Snapshot,
  type SnapshotMetadata,
  StoreRecorder,
} from '../../src/index.js';
import { type Ledger, LedgerState } from './ledger.js';

const action = (sequenceNr: number): Action => ({
  id: String(sequenceNr),
  sequenceNr,
  type: 'add',
  payload: { amount: 1 },
  timestamp: 1000 + sequenceNr,
});
const snapshot = (sequenceNr: number): Snapshot<Ledger> => ({ action: action(sequenceNr), state: { applied: [], total: sequenceNr } });

async function stored(store: MemorySnapshotStore, persistenceId: string): Promise<number[]> {
  const found: number[] = [];
  for await (const metadata of store.list(persistenceId)) found.push((metadata as SnapshotMetadata).sequenceNr);
  return found;
}

describe('StoreRecorder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('everyBytes: saves once the actions since the last snapshot add up to the threshold', async () => {
    const store = new MemorySnapshotStore();
    const size = new TextEncoder().encode(JSON.stringify(action(1))).length;
    const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'bytes', everyBytes: size * 3 });
    for (let n = 1; n <= 7; n++) await recorder.afterDispatch(snapshot(n));
    await recorder.flush();
    // Every third action passed the threshold; flush adds the latest state (7), as it always does.
    expect(await stored(store, 'bytes')).toEqual([3, 6, 7]);
    expect(() => new StoreRecorder<Ledger>(store, { persistenceId: 'bytes', everyBytes: 0 })).toThrow(/options\.everyBytes/);
  });

  it('snapshotAfterSlowRecovery: a start that replayed more than `events` actions saves the state, so the next start replays none', async () => {
    const journal = new MemoryJournal();
    const writer = new JournalWriter(journal, 'slow');
    for (let amount = 1; amount <= 12; amount++) await writer.write({ type: 'add', payload: { amount }, timestamp: 1 });
    const saved: OperationEvent[] = [];
    let savedOne: () => void = () => {};
    const firstSave = new Promise<void>((resolve) => {
      savedOne = resolve;
    });
    const onOperation = (event: OperationEvent) => {
      if (event.operation !== 'snapshot.save') return;
      saved.push(event);
      savedOne();
    };
    const store = new MemorySnapshotStore({ hooks: { onOperation } });
    const startMachine = async (threshold: { events?: number; ms?: number }) => {
      const reports: MachineRecoveryReport[] = [];
      const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'slow', snapshotAfterSlowRecovery: threshold, logger: false });
      const machine = new Machine(LedgerState, new JournalReader(journal, 'slow', { live: false }), writer, recorder, {
        logger: false,
        onRecovery: (report) => reports.push(report),
      });
      await machine.start();
      await machine.caughtUp();
      return { machine, reports };
    };

    // Twelve actions, no more than twelve allowed: not slow, nothing saved at start.
    const calm = await startMachine({ events: 12 });
    const serialization = new Serialization();
    const bytes = Array.from({ length: 12 }, (_, index) => serialization.serialize({ type: 'add', payload: { amount: index + 1 } }).length);
    expect(calm.reports).toEqual([
      {
        machine: 'ledger',
        snapshotActionId: null,
        actionsReplayed: 12,
        bytesRead: bytes.reduce((sum, size) => sum + size, 0),
        durationMs: expect.any(Number),
        snapshotTriggered: undefined,
      },
    ]);
    expect(saved).toEqual([]);

    // More than ten: the state after the twelfth action is saved right away, before any stop or flush.
    const slow = await startMachine({ events: 10 });
    expect(slow.reports).toEqual([expect.objectContaining({ actionsReplayed: 12, snapshotTriggered: 'slow-recovery' })]);
    await firstSave;
    expect(await stored(store, 'slow')).toEqual([12]);
    await slow.machine.stop();
    await calm.machine.stop();

    const next = await startMachine({ events: 10 });
    expect(next.reports).toEqual([
      expect.objectContaining({ snapshotActionId: '12', actionsReplayed: 0, bytesRead: 0, snapshotTriggered: undefined }),
    ]);
    expect(next.machine.state.total).toBe(78);
    await next.machine.stop();
    expect(() => new StoreRecorder<Ledger>(store, { persistenceId: 'slow', snapshotAfterSlowRecovery: {} })).toThrow(
      /options\.snapshotAfterSlowRecovery/,
    );
  });

  it('saves after debounceMs of inactivity, and only the latest state', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new MemorySnapshotStore();
    const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'debounce', debounceMs: 1000 });
    await recorder.afterDispatch({ action: null, state: LedgerState.initialState });
    for (let n = 1; n <= 5; n++) {
      await recorder.afterDispatch(snapshot(n));
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(await stored(store, 'debounce')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await stored(store, 'debounce')).toEqual([5]);
    expect((await recorder.loadSnapshot())?.state.total).toBe(5);
  });

  it('flush on stop writes the pending debounced snapshot, so the last state is never lost', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new MemorySnapshotStore();
    const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'flush', debounceMs: 60_000 });
    await recorder.afterDispatch(snapshot(1));
    await recorder.afterDispatch(snapshot(2));
    await recorder.stop();
    expect(await stored(store, 'flush')).toEqual([2]);
    // The timer was cancelled: nothing is saved twice later.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a machine stop flushes it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new MemorySnapshotStore();
    const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'machine', debounceMs: 5000 });
    const machine = new Machine(
      LedgerState,
      new IterableReader([action(1), action(2), action(3)]),
      new JournalWriter(new MemoryJournal(), 'x'),
      recorder,
    );
    await machine.start();
    await machine.caughtUp();
    await machine.stop();
    expect(await stored(store, 'machine')).toEqual([3]);
    expect((await recorder.loadSnapshot('3'))?.state).toEqual({ applied: ['1', '2', '3'], total: 3 });
  });

  it('never keeps the process alive with its debounce timer', async () => {
    const unref = vi.fn();
    const real = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      const timer = real(callback, ms);
      const original = timer.unref.bind(timer);
      timer.unref = () => {
        unref();
        return original();
      };
      return timer;
    }) as typeof setTimeout);
    try {
      const recorder = new StoreRecorder<Ledger>(new MemorySnapshotStore(), { persistenceId: 'unref', debounceMs: 60_000 });
      await recorder.afterDispatch(snapshot(1));
      expect(unref).toHaveBeenCalledTimes(1);
      await recorder.stop();
    } finally {
      spy.mockRestore();
    }
  });

  it('uses the action timestamp as the snapshot timestamp', async () => {
    const store = new MemorySnapshotStore();
    const recorder = new StoreRecorder<Ledger>(store, { persistenceId: 'time', every: 1 });
    await recorder.afterDispatch(snapshot(7));
    await recorder.flush();
    const timestamps: number[] = [];
    for await (const metadata of store.list('time')) timestamps.push(metadata.timestamp);
    expect(timestamps).toEqual([1007]);
  });

  it('reports save failures and keeps going', async () => {
    const store = new MemorySnapshotStore();
    let failing = true;
    const original = store.save.bind(store);
    store.save = async (metadata, value) => {
      if (failing) throw new Error('disk full');
      return original(metadata, value);
    };
    const errors: string[] = [];
    const logged: string[] = [];
    const recorder = new StoreRecorder<Ledger>(store, {
      persistenceId: 'failing',
      every: 2,
      onError: (error, failed) => errors.push(`${error.message} @${failed.action?.id}`),
      logger: { debug() {}, info() {}, warn() {}, error: (message) => logged.push(message) },
    });
    await recorder.afterDispatch(snapshot(2));
    await recorder.flush();
    expect(errors).toEqual(['disk full @2']);
    expect(logged[0]).toMatch(/snapshot of "failing" failed: disk full/);
    failing = false;
    await recorder.afterDispatch(snapshot(4));
    await recorder.flush();
    expect(await stored(store, 'failing')).toEqual([4]);
  });

  it('a failing recorder never stops the machine', async () => {
    const errors: Error[] = [];
    const machine = new Machine(
      LedgerState,
      new IterableReader([action(1), action(2)]),
      new JournalWriter(new MemoryJournal(), 'x'),
      {
        afterDispatch: async () => {
          throw new Error('recorder down');
        },
      },
      { onError: (error) => errors.push(error) },
    );
    await machine.start();
    expect(await machine.caughtUp()).toEqual({ applied: ['1', '2'], total: 2 });
    expect(errors.map((error) => error.message)).toEqual(['recorder down', 'recorder down', 'recorder down']);
    await machine.stop();
  });

  it('validates its arguments with typed errors', () => {
    const store = new MemorySnapshotStore();
    expect(() => new StoreRecorder({} as MemorySnapshotStore, { persistenceId: 'x' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.invalidArgument }),
    );
    expect(() => new StoreRecorder(store, { persistenceId: '' })).toThrow(
      expect.objectContaining({ code: ErrorCodes.invalidPersistenceId }),
    );
    expect(() => new StoreRecorder(store, { persistenceId: 'x', every: 0 })).toThrow(/options.every/);
    expect(() => new StoreRecorder(store, { persistenceId: 'x', keep: 0 })).toThrow(/options.keep/);
    expect(() => new StoreRecorder(store, { persistenceId: 'x', debounceMs: -1 })).toThrow(/options.debounceMs/);
  });

  it('refuses to load a snapshot that is not a recorder snapshot', async () => {
    const store = new MemorySnapshotStore();
    const { SnapshotMetadata } = await import('../../src/index.js');
    await store.save(new SnapshotMetadata({ persistenceId: 'raw', sequenceNr: 1 }), { total: 1 });
    const recorder = new StoreRecorder(store, { persistenceId: 'raw' });
    await expect(recorder.loadSnapshot()).rejects.toMatchObject({ code: ErrorCodes.corruptSnapshot });
  });
});
