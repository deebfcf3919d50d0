/** Idle snapshots and idle passivation, with fake timers (memory stores). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPersistence, MemoryJournal, MemorySnapshotStore, type Signal } from '../../src/index.js';
import { type CounterState, counter } from './support/counter.js';

async function sequenceNrs(store: MemorySnapshotStore, persistenceId: string): Promise<number[]> {
  const found: number[] = [];
  for await (const metadata of store.list(persistenceId)) found.push(metadata.sequenceNr);
  return found;
}

function setup(options: Partial<Parameters<typeof createPersistence>[0]> = {}) {
  const journal = new MemoryJournal();
  const snapshotStore = new MemorySnapshotStore();
  const persistence = createPersistence({ journal, snapshotStore, ...options });
  return { journal, snapshotStore, persistence };
}

describe('timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('snapshotAfterIdleMs snapshots once the entity was quiet that long (debounced)', async () => {
    vi.useFakeTimers();
    const { snapshotStore, persistence } = setup();
    const ref = persistence.entity(counter({ snapshotAfterIdleMs: 5000 }), 'idle');
    await ref.ask({ type: 'add', amount: 1 });
    await vi.advanceTimersByTimeAsync(4000);
    await ref.ask({ type: 'add', amount: 1 });
    await vi.advanceTimersByTimeAsync(4000);
    await persistence.idle();
    expect(await sequenceNrs(snapshotStore, ref.persistenceId)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    await persistence.idle();
    expect(await sequenceNrs(snapshotStore, ref.persistenceId)).toEqual([2]);
    // Quiet again with nothing new: no second snapshot.
    await vi.advanceTimersByTimeAsync(10_000);
    await persistence.idle();
    expect(await sequenceNrs(snapshotStore, ref.persistenceId)).toEqual([2]);
    await persistence.close();
  });

  it('idle timers are unref’d so they never keep the process alive', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { persistence } = setup({ passivation: { idleMs: 60_000 } });
    const ref = persistence.entity(counter({ snapshotAfterIdleMs: 60_000 }), 'unref');
    await ref.ask({ type: 'add', amount: 1 });
    await persistence.idle();
    const handles = spy.mock.results.map((result) => result.value as NodeJS.Timeout);
    spy.mockRestore();
    expect(handles.length).toBeGreaterThanOrEqual(2);
    for (const handle of handles) expect(handle.hasRef()).toBe(false);
    await persistence.close();
  });

  it('passivation.idleMs drops idle entities, taking a pending idle snapshot; they recover on next use', async () => {
    vi.useFakeTimers();
    const signals: Signal[] = [];
    const { snapshotStore, persistence } = setup({ passivation: { idleMs: 1000 } });
    const ref = persistence.entity(counter({ snapshotAfterIdleMs: 60_000 }, signals), 'passive');
    await ref.ask({ type: 'addAll', amounts: [1, 2] });
    expect(persistence.entitiesInMemory).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(persistence.entitiesInMemory).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await persistence.idle();
    expect(persistence.entitiesInMemory).toBe(0);
    expect(await sequenceNrs(snapshotStore, ref.persistenceId)).toEqual([2]);
    expect(await ref.ask<CounterState>({ type: 'get' })).toEqual({ value: 3, applied: [1, 2] });
    expect(signals.filter((s) => s.type === 'RecoveryCompleted').at(-1)).toMatchObject({ snapshotSequenceNr: 2, replayed: 0 });
    await persistence.close();
  });
});
