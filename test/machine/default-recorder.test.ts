import { describe, expect, it } from 'vitest';
import {
  type Action,
  defineState,
  IterableReader,
  JournalWriter,
  Machine,
  MEMORY_RECORDER_DEFAULT_LIMIT,
  MemoryJournal,
  MemoryRecorder,
} from '../../src/index.js';

const Counter = defineState({
  name: 'counter',
  initialState: 0,
  actions: {
    increment: (count: number) => count + 1,
  },
});

const increments = (count: number): Action[] =>
  Array.from({ length: count }, (_, index) => ({ id: `tx-${index + 1}`, type: 'increment', payload: null, timestamp: 1 }));

describe('the default recorder of a Machine', () => {
  it('is a MemoryRecorder that resumes a restarted machine where it stopped', async () => {
    const source = increments(3);
    const machine = new Machine(Counter, new IterableReader(() => source), new JournalWriter(new MemoryJournal(), 'unused'));
    expect(machine.recorder).toBeInstanceOf(MemoryRecorder);
    await machine.start();
    expect(await machine.caughtUp()).toBe(3);
    await machine.stop();
    source.push(...increments(5).slice(3));
    await machine.start();
    expect(await machine.caughtUp()).toBe(5);
    await machine.stop();
    expect(await machine.stateAt('tx-4')).toBe(4);
  });

  it('keeps only the newest MEMORY_RECORDER_DEFAULT_LIMIT snapshots, so a long run does not grow the heap without bound', async () => {
    const total = MEMORY_RECORDER_DEFAULT_LIMIT + 500;
    const machine = new Machine(Counter, new IterableReader(increments(total)), new JournalWriter(new MemoryJournal(), 'unused'));
    await machine.start();
    expect(await machine.caughtUp()).toBe(total);
    await machine.stop();
    const snapshots = (await machine.recorder.getSnapshots?.()) ?? [];
    expect(snapshots).toHaveLength(MEMORY_RECORDER_DEFAULT_LIMIT);
    expect(snapshots[0]?.action?.id).toBe(`tx-${total - MEMORY_RECORDER_DEFAULT_LIMIT + 1}`);
    expect(snapshots.at(-1)).toEqual({ action: expect.objectContaining({ id: `tx-${total}` }), state: total });
  });

  it('keeps everything when told limit: Infinity', async () => {
    const recorder = new MemoryRecorder<number>({ limit: Number.POSITIVE_INFINITY });
    for (const action of increments(MEMORY_RECORDER_DEFAULT_LIMIT + 1)) await recorder.afterDispatch({ action, state: 0 });
    expect(await recorder.getSnapshots()).toHaveLength(MEMORY_RECORDER_DEFAULT_LIMIT + 1);
  });
});
