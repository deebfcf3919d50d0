import { describe, expect, it } from 'vitest';
import { defineState, ErrorCodes, InvalidArgumentError } from '../../src/index.js';
import { machineTestKit } from '../../src/testkit/index.js';
import { closingAfterEach } from '../support/closing-after-each.js';

const Counter = defineState({
  name: 'counter',
  initialState: { value: 0, log: [] as string[] },
  actions: {
    increment(state, payload: { by: number }) {
      if (payload.by <= 0) throw new Error('increment by a positive number');
      return { value: state.value + payload.by, log: [...state.log, `+${payload.by}`] };
    },
    stamp(state, payload: { at: unknown }) {
      return { ...state, stamp: payload.at };
    },
  },
});

const kitOf = closingAfterEach();

describe('machineTestKit', () => {
  it('returns the action and the state of each run, and the recorder snapshots', async () => {
    const kit = kitOf(machineTestKit(Counter));
    const first = await kit.run('increment', { by: 2 });
    expect(first.state).toEqual({ value: 2, log: ['+2'] });
    expect(first.action).toMatchObject({ type: 'increment', payload: { by: 2 }, sequenceNr: 1 });
    await kit.run('increment', { by: 3 });
    const snapshots = await kit.snapshots();
    expect(snapshots.map((snapshot) => snapshot.state)).toEqual([
      { value: 2, log: ['+2'] },
      { value: 5, log: ['+2', '+3'] },
    ]);
    expect(await kit.state()).toEqual({ value: 5, log: ['+2', '+3'] });
  });

  it('reaches the same state after a restart, from snapshots or by replay', async () => {
    for (const snapshotEvery of [1, 100]) {
      const kit = kitOf(machineTestKit(Counter, { snapshotEvery }));
      await kit.run('increment', { by: 1 });
      await kit.run('increment', { by: 4 });
      expect(await kit.restart()).toEqual({ value: 5, log: ['+1', '+4'] });
      expect((await kit.run('increment', { by: 1 })).state.value).toBe(6);
    }
  });

  it('rejects a run whose handler fails and reports it', async () => {
    const kit = kitOf(machineTestKit(Counter));
    await expect(kit.run('increment', { by: 0 })).rejects.toThrow(/positive number/);
    expect(await kit.state()).toEqual({ value: 0, log: [] });
  });

  it('fails a run when the state would not survive the serializer, naming the path', async () => {
    class Instant {
      constructor(readonly ms: number) {}
    }
    const kit = kitOf(machineTestKit(Counter));
    const error = await kit.run('stamp', { at: new Instant(1) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCodes.serialization, persistenceId: 'test' });
    expect(String((error as Error).message)).toMatch(/payload\.at/);
  });

  it('validates its arguments', () => {
    expect(() => machineTestKit({} as never)).toThrow(InvalidArgumentError);
    expect(() => machineTestKit(Counter, { snapshotEvery: 0 })).toThrow(/options\.snapshotEvery/);
  });
});
