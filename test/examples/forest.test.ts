/** The Forest demo's state definition under the machine test kit: actions, snapshots, restart. */
import { afterEach, expect, it } from 'vitest';
import { ForestState, treeIds } from '../../examples/forest/forest.js';
import { type MachineTestKit, machineTestKit } from '../../src/testkit/index.js';

let kit: MachineTestKit<unknown, never> | undefined;
afterEach(() => kit?.close());

it('plants, waters and cuts trees, and a restarted machine reaches the same forest by snapshot and replay', async () => {
  const forest = machineTestKit(ForestState, { snapshotEvery: 2 });
  kit = forest as unknown as MachineTestKit<unknown, never>;
  await forest.run('plant', { species: 'oak' });
  await forest.run('plant', { species: 'pine' });
  const watered = await forest.run('water', { treeId: 't1', liters: 2 });
  expect(watered.state.waterings).toBe(1);
  const cut = await forest.run('cut', { treeId: 't2' });
  expect(treeIds(cut.state)).toEqual(['t1']);
  expect((await forest.snapshots()).map((snapshot) => snapshot.action?.type)).toEqual(['plant', 'cut']);
  const restarted = await forest.restart();
  expect(restarted).toMatchObject({ standing: 1, planted: 2, cut: 1 });
});
