/**
 * The entity runtime's behaviour suite, parametrised by a store factory so every backend
 * runs it: `entitySuite('sqlite', async () => ({ journal, snapshotStore, cleanup }))`.
 */
import { describe } from 'vitest';
import { classicActorTests } from './suite/classic-actor.js';
import { concurrencyTests } from './suite/concurrency.js';
import { eventAdapterTests } from './suite/event-adapters.js';
import { propertyTests } from './suite/properties.js';
import { recoveryTests } from './suite/recovery.js';
import { snapshotTests } from './suite/snapshots.js';
import { typedEntityTests } from './suite/typed-entity.js';
import type { MakeStores } from './support/harness.js';

export type { MakeStores, RuntimeStores } from './support/harness.js';

/** Options of {@link entitySuite}. */
export interface EntitySuiteOptions {
  /** Runs of each property-based test. @default 25 */
  readonly propertyRuns?: number;
}

/** Registers every runtime behaviour test against stores from `makeStores`. */
export function entitySuite(name: string, makeStores: MakeStores, options: EntitySuiteOptions = {}): void {
  describe(`entity runtime on ${name} stores`, () => {
    typedEntityTests(makeStores);
    recoveryTests(makeStores);
    snapshotTests(makeStores);
    concurrencyTests(makeStores);
    classicActorTests(makeStores);
    eventAdapterTests(makeStores);
    propertyTests(makeStores, options.propertyRuns ?? 25);
  });
}
