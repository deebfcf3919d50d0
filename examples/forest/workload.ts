/**
 * Generates plausible forest actions: plant while the forest is small, cut more as it
 * grows, water the rest, so it settles around a few hundred trees. Deterministic for a
 * given seed, so runs are reproducible.
 */
import type { MachineAction } from '../../src/index.js';
import { type Forest, type ForestActions, SPECIES, treeIds } from './forest.js';

/** The forest size where planting and cutting balance out. */
const TARGET_TREES = 400;

/** A small, fast, seedable PRNG (mulberry32). */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds the next `count` actions for a forest in state `forest`, predicting the ids it will plant. */
export function nextActions(forest: Forest, count: number, random: () => number): MachineAction<ForestActions>[] {
  const ids = treeIds(forest);
  let nextTreeNr = forest.nextTreeNr;
  const actions: MachineAction<ForestActions>[] = [];
  for (let index = 0; index < count; index++) {
    const crowding = ids.length / (2 * TARGET_TREES);
    const roll = random();
    if (ids.length === 0 || roll < 0.05 + 0.4 * (1 - crowding)) {
      actions.push({ type: 'plant', payload: { species: SPECIES[Math.floor(random() * SPECIES.length)] ?? 'oak' } });
      ids.push(`t${nextTreeNr++}`);
    } else if (roll < 0.05 + 0.4 * (1 - crowding) + 0.4 * crowding) {
      const at = Math.floor(random() * ids.length);
      actions.push({ type: 'cut', payload: { treeId: ids[at] as string } });
      ids[at] = ids[ids.length - 1] as string;
      ids.pop();
    } else {
      const treeId = ids[Math.floor(random() * ids.length)] as string;
      actions.push({ type: 'water', payload: { treeId, liters: 1 + Math.floor(random() * 5) } });
    }
  }
  return actions;
}
