/**
 * Property-based tests: whatever the commands, snapshot policy and restart points, the
 * recovered state is the state a full replay gives and the state of a reference model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RetentionOptions, SnapshotSelectionCriteria } from '../../../src/index.js';
import { propertyRuns } from '../../support/property-runs.js';
import { type CounterEvent, type CounterState, counter, emptyCounter, modelOf } from '../support/counter.js';
import type { MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';

type Op =
  | { readonly kind: 'add'; readonly amounts: readonly number[] }
  | { readonly kind: 'restart' }
  | { readonly kind: 'passivate' }
  | { readonly kind: 'snapshot' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      amounts: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'passivate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
);

const retentionArb: fc.Arbitrary<RetentionOptions> = fc.record(
  { snapshotEvery: fc.integer({ min: 1, max: 6 }), keepNSnapshots: fc.integer({ min: 1, max: 3 }), deleteEventsOnSnapshot: fc.boolean() },
  { requiredKeys: [] },
);

async function newestSnapshot(store: { list(id: string): AsyncIterable<{ sequenceNr: number }> }, persistenceId: string): Promise<number> {
  let newest = 0;
  for await (const metadata of store.list(persistenceId)) newest = Math.max(newest, metadata.sequenceNr);
  return newest;
}

export function propertyTests(makeStores: MakeStores, runs: number): void {
  describe('properties', () => {
    const harness = useHarness(makeStores);

    it('recovered state = full replay = reference model, for random commands, policies and restarts', async () => {
      await fc.assert(
        fc.asyncProperty(retentionArb, fc.array(opArb, { minLength: 1, maxLength: 25 }), async (retention, ops) => {
          const { start, id, journal, snapshotStore } = harness();
          const entityId = id('prop');
          const definition = counter({ retention });
          let persistence = start();
          let ref = persistence.entity(definition, entityId);
          const model: number[] = [];
          for (const op of ops) {
            if (op.kind === 'add') {
              model.push(...op.amounts);
              expect(await ref.ask({ type: 'addAll', amounts: op.amounts })).toBe(modelOf(model).value);
            } else if (op.kind === 'restart') {
              await persistence.close();
              persistence = start();
              ref = persistence.entity(definition, entityId);
            } else if (op.kind === 'passivate') {
              await ref.ask({ type: 'stop' });
            } else {
              await ref.ask({ type: 'snapshot' });
            }
          }
          await persistence.close();
          if (retention.snapshotEvery !== undefined && model.length > 0) {
            // Never more than snapshotEvery - 1 events behind the newest snapshot.
            expect(model.length - (await newestSnapshot(snapshotStore, ref.persistenceId))).toBeLessThan(retention.snapshotEvery);
          }
          const recovered = await start().entity(definition, entityId).ask<CounterState>({ type: 'get' });
          const written = journal.writes
            .filter((w) => w.persistenceId === ref.persistenceId)
            .flatMap((w) => w.events.map((e) => e.event as CounterEvent));
          const fullReplay = written.reduce(definition.eventHandler, emptyCounter);
          expect(recovered).toEqual(modelOf(model));
          expect(recovered).toEqual(fullReplay);
          if (!retention.deleteEventsOnSnapshot) {
            const fromJournal = counter({ recovery: { fromSnapshot: SnapshotSelectionCriteria.None } });
            expect(await start().entity(fromJournal, entityId).ask({ type: 'get' })).toEqual(recovered);
          }
        }),
        { numRuns: propertyRuns(runs) },
      );
    });

    it('snapshotEvery snapshots exactly when the events since the last snapshot reach N, whatever the batch sizes', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 7 }),
          fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 15 }),
          async (every, batches) => {
            const { start, id, snapshotStore } = harness();
            const persistence = start();
            const ref = persistence.entity(counter({ retention: { snapshotEvery: every } }), id('every'));
            const expected: number[] = [];
            let sequenceNr = 0;
            let since = 0;
            for (const size of batches) {
              await ref.ask({ type: 'addAll', amounts: Array.from({ length: size }, () => 1) });
              sequenceNr += size;
              since += size;
              if (since >= every) {
                expected.push(sequenceNr);
                since = 0;
              }
            }
            await persistence.idle();
            const found: number[] = [];
            for await (const metadata of snapshotStore.list(ref.persistenceId)) found.push(metadata.sequenceNr);
            expect(found).toEqual(expected);
          },
        ),
        { numRuns: propertyRuns(runs) },
      );
    });
  });
}
