/**
 * The durable state query conformance suite: `changesByTag` over a store implementing
 * `QueryableDurableStateStore`.
 * @module
 */
import { describe, expect } from 'vitest';
import { createDurableStateQueries, type DurableStateChangeEnvelope } from '../query/durable-state-queries.js';
import { durableStateCapabilities } from '../spi/capabilities.js';
import type { QueryableDurableStateStore } from '../spi/durable-state-store.js';
import { NoOffset } from '../spi/read-journal.js';
import { freshStoreAndTagPerTest, livePollSettings, nextDelivery, notifiedOrderings } from './query-support.js';
import { type ConformanceOptions, collect, liveTestTimeoutMs, type StoreFactory, uniqueId } from './support.js';

/** Options of {@link durableStateQueryConformance}. */
export type DurableStateQueryConformanceOptions = ConformanceOptions<QueryableDurableStateStore>;

const summary = (changes: DurableStateChangeEnvelope[]) => changes.map((change) => [change.persistenceId, change.revision, change.value]);

/** Registers the durable state query suite with vitest. */
export function durableStateQueryConformance(
  name: string,
  factory: StoreFactory<QueryableDurableStateStore>,
  options: DurableStateQueryConformanceOptions = {},
): void {
  describe(`${name}: durable state query conformance`, () => {
    let store: QueryableDurableStateStore;
    let tag: string;
    const test = freshStoreAndTagPerTest(factory, options, 'state-tag', (created, createdTag) => {
      store = created;
      tag = createdTag;
    });

    test('declares the queries capability this suite tests', async () => {
      expect(durableStateCapabilities(store).queries, 'capabilities.queries').toBe(true);
    });

    test('tells subscribers about changes when it declares live', async (context) => {
      if (!durableStateCapabilities(store).live) context.skip('the store declares no live capability: live queries poll');
      await notifiedOrderings(store, () => store.upsert(uniqueId('live'), 1, 'v1', tag));
    });

    test('delivers the latest change of each tagged id, in change order', async () => {
      const [a, b, c] = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      await store.upsert(a, 1, 'a1', tag);
      await store.upsert(b, 1, 'b1', tag);
      await store.upsert(c, 1, 'c1', uniqueId('other'));
      await store.upsert(a, 2, 'a2', tag);
      const changes = await collect(createDurableStateQueries(store, { pageSize: 1 }).changesByTag(tag, NoOffset));
      expect(summary(changes)).toEqual([
        [b, 1, 'b1'],
        [a, 2, 'a2'],
      ]);
      expect(changes[0]?.tag).toBe(tag);
      expect(changes[1]?.ordering, `ordering after ${changes[0]?.ordering}`).toBeGreaterThan(changes[0]?.ordering ?? 0);
    });
    test('resumes after an offset with only what changed since', async () => {
      const queries = createDurableStateQueries(store);
      const [a, b] = [uniqueId('a'), uniqueId('b')];
      await store.upsert(a, 1, 'a1', tag);
      await store.upsert(b, 1, 'b1', tag);
      const first = await collect(queries.changesByTag(tag, NoOffset));
      await store.upsert(a, 2, 'a2', tag);
      const resumed = await collect(queries.changesByTag(tag, first[first.length - 1]?.offset ?? NoOffset));
      expect(summary(resumed)).toEqual([[a, 2, 'a2']]);
    });
    test('reports a deletion as a change with no value', async () => {
      const id = uniqueId('deleted');
      await store.upsert(id, 1, 'v1', tag);
      await store.delete(id, 2);
      expect(summary(await collect(createDurableStateQueries(store).changesByTag(tag, NoOffset)))).toEqual([[id, 2, null]]);
    });
    test(
      'delivers new changes to a live query, woken by its own notifications when it declares live',
      async () => {
        const live = durableStateCapabilities(store).live;
        const controller = new AbortController();
        const id = uniqueId('live');
        const changes = createDurableStateQueries(store, livePollSettings(live))
          .changesByTag(tag, NoOffset, { live: true, signal: controller.signal })
          [Symbol.asyncIterator]();
        const next = async (revision: number) => {
          const result = await nextDelivery(
            changes,
            `changesByTag did not deliver revision ${revision} through ${live ? 'a notification' : 'a poll'}`,
          );
          expect(result.done ? 'the stream ended' : [result.value.persistenceId, result.value.revision], 'next delivered change').toEqual([
            id,
            revision,
          ]);
        };
        try {
          const first = next(1);
          await store.upsert(id, 1, 'v1', tag);
          await first;
          // The query is open and caught up: the next change can only reach it live.
          await store.upsert(id, 2, 'v2', tag);
          await next(2);
        } finally {
          controller.abort();
          await changes.return?.();
        }
      },
      liveTestTimeoutMs(2),
    );
    test.checkSkipList();
  });
}
