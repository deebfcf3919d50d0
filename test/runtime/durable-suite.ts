/**
 * The durable state entity suite, parametrised by a store factory so every backend runs
 * it: `durableEntitySuite('sqlite', async () => ({ journal, snapshotStore, durableStateStore, cleanup }))`.
 */
import { describe } from 'vitest';
import { durableStateTests } from './suite/durable-state.js';
import type { MakeStores } from './support/harness.js';

export type { MakeStores, RuntimeStores } from './support/harness.js';

/** Registers every durable state entity test against stores from `makeStores` (which must give a `durableStateStore`). */
export function durableEntitySuite(name: string, makeStores: MakeStores): void {
  describe(`durable state entities on ${name} stores`, () => {
    durableStateTests(makeStores);
  });
}
