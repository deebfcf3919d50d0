import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineState,
  InvalidArgumentError,
  IterableReader,
  JournalReader,
  JournalWriter,
  Machine,
  MemoryJournal,
  MemorySnapshotStore,
  machineTimeTravel,
  StoreRecorder,
  type TimeTravel,
} from '../../src/index.js';

const Counter = defineState({
  name: 'counter',
  initialState: { value: 0 },
  actions: {
    increment(state, payload: { by: number }) {
      return { value: state.value + payload.by };
    },
  },
});

describe('machines and recorders', () => {
  it('take a StoreRecorder made without a state type, and time travel returns the API', async () => {
    const journal = new MemoryJournal();
    const recorder = new StoreRecorder(new MemorySnapshotStore(), { persistenceId: 'counter-1', every: 1 });
    const machine = new Machine(Counter, new JournalReader(journal, 'counter-1'), new JournalWriter(journal, 'counter-1'), recorder);
    expectTypeOf(machine.state).toEqualTypeOf<{ value: number }>();
    await machine.start();
    await machine.run('increment', { by: 2 });
    await machine.run('increment', { by: 3 });
    const travel = machineTimeTravel(machine);
    expectTypeOf(travel).toEqualTypeOf<TimeTravel<{ value: number }>>();
    expect((await travel.stateAt({ sequenceNr: 1 })).state).toEqual({ value: 2 });
    await machine.stop();
  });

  it('machineTimeTravel refuses a machine whose reader reads no journal, saying what it expected', () => {
    const machine = new Machine(Counter, new IterableReader([]), { write: async () => [] } as never);
    expect(() => machineTimeTravel(machine)).toThrow(InvalidArgumentError);
    expect(() => machineTimeTravel(machine)).toThrow(/expected a machine whose reader reads a journal/);
  });
});
