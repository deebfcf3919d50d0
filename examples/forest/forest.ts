/**
 * The Forest: the state definition of the demo. Trees are planted, watered (they grow)
 * and cut; watering or cutting a tree that is gone counts as a miss, so actions from
 * several writers never fail on each other.
 *
 * Trees live in groves (tree number modulo GROVES), so an action copies one small grove
 * instead of the whole forest: handlers return new states, and structural sharing keeps
 * that cheap. Groves and trees are arrays: in V8, copying an object keyed by hundreds of
 * unique ids costs tens of µs per action, an array of a dozen trees well under one.
 */
import { defineState } from '../../src/index.js';

/** Kinds of trees, each growing at its own pace. */
export const SPECIES = ['oak', 'birch', 'pine', 'maple', 'willow'] as const;
/** One kind of tree. */
export type Species = (typeof SPECIES)[number];

/** Number of groves the forest is divided into. */
export const GROVES = 32;

const GROWTH_PER_LITER: Record<Species, number> = { oak: 0.02, birch: 0.05, pine: 0.03, maple: 0.04, willow: 0.06 };

/** A tree: heights in metres, water in litres. */
export interface Tree {
  readonly id: string;
  readonly species: Species;
  readonly height: number;
  readonly water: number;
  /** Id of the action that planted it. */
  readonly plantedBy: string;
}

/** The trees of one grove, oldest first. */
export type Grove = readonly Tree[];

/** The whole forest. */
export interface Forest {
  /** GROVES groves; tree `tN` grows in grove `N % GROVES`. */
  readonly groves: readonly Grove[];
  readonly standing: number;
  readonly nextTreeNr: number;
  readonly planted: number;
  readonly cut: number;
  readonly waterings: number;
  readonly misses: number;
}

/** The grove a tree id belongs to: `t37` → 5. */
export const groveOf = (treeId: string): number => Number(treeId.slice(1)) % GROVES;

const round = (value: number): number => Math.round(value * 100) / 100;

/** Replaces one grove, sharing all the others. */
function withGrove(forest: Forest, index: number, grove: Grove): Forest['groves'] {
  const groves = forest.groves.slice();
  groves[index] = grove;
  return groves;
}

/** Plant, water and cut trees. Handlers return new states and never mutate the old one. */
export const ForestState = defineState({
  name: 'forest',
  initialState: {
    groves: Array.from({ length: GROVES }, () => []),
    standing: 0,
    nextTreeNr: 1,
    planted: 0,
    cut: 0,
    waterings: 0,
    misses: 0,
  } as Forest,
  actions: {
    plant(forest: Forest, payload: { species: Species }, action): Forest {
      const id = `t${forest.nextTreeNr}`;
      const index = groveOf(id);
      const tree: Tree = { id, species: payload.species, height: 0.1, water: 0, plantedBy: action.id };
      return {
        ...forest,
        groves: withGrove(forest, index, [...(forest.groves[index] ?? []), tree]),
        standing: forest.standing + 1,
        nextTreeNr: forest.nextTreeNr + 1,
        planted: forest.planted + 1,
      };
    },
    water(forest: Forest, payload: { treeId: string; liters: number }): Forest {
      const index = groveOf(payload.treeId);
      const grove = forest.groves[index] ?? [];
      const at = grove.findIndex((tree) => tree.id === payload.treeId);
      const tree = grove[at];
      if (!tree) return { ...forest, misses: forest.misses + 1 };
      const grown: Tree = {
        ...tree,
        water: round(tree.water + payload.liters),
        height: round(tree.height + payload.liters * GROWTH_PER_LITER[tree.species]),
      };
      const watered = grove.slice();
      watered[at] = grown;
      return { ...forest, groves: withGrove(forest, index, watered), waterings: forest.waterings + 1 };
    },
    cut(forest: Forest, payload: { treeId: string }): Forest {
      const index = groveOf(payload.treeId);
      const grove = forest.groves[index] ?? [];
      const remaining = grove.filter((tree) => tree.id !== payload.treeId);
      if (remaining.length === grove.length) return { ...forest, misses: forest.misses + 1 };
      return { ...forest, groves: withGrove(forest, index, remaining), standing: forest.standing - 1, cut: forest.cut + 1 };
    },
  },
});

/** The actions the Forest understands. */
export type ForestActions = typeof ForestState.actions;

/** Every standing tree. */
export const trees = (forest: Forest): Tree[] => forest.groves.flat();

/** Every standing tree id. */
export const treeIds = (forest: Forest): string[] => trees(forest).map((tree) => tree.id);
