/**
 * The durable state query conformance suite: `changesByTag` over a store implementing
 * `QueryableDurableStateStore`.
 * @module
 */
import { describe, expect } from 'vitest';
import { createDurableStateQueries } from '../query/durable-state-queries.js';
import { durableStateCapabilities } from '../spi/capabilities.js';
import type { PollOptions } from '../spi/change-waiter.js';
import type {
  DurableStateChangeEnvelope,
  DurableStateQueries,
  DurableStateStore,
  QueryableDurableStateStore,
} from '../spi/durable-state-store.js';
import { NoOffset } from '../spi/read-journal.js';
import { freshStoreAndTagPerTest, livePollSettings, nextDelivery, notifiedOrderings } from './query-support.js';
import { type ConformanceOptions, collect, liveTestTimeoutMs, type StoreFactory, uniqueId } from './support.js';

/** Options of {@link durableStateQueryConformance}. */
export interface DurableStateQueryConformanceOptions extends ConformanceOptions<DurableStateStore> {
  /**
   * The queries under test, for a store whose queries are a separate object (DynamoDB's,
   * by write time). Without it the store must be a `QueryableDurableStateStore` and the
   * suite tests `createDurableStateQueries` over it.
   */
  readonly queries?: (store: DurableStateStore, options: PollOptions & { readonly pageSize?: number }) => DurableStateQueries;
  /**
   * What the offsets are: `sequence` (a global order: a resumed query repeats nothing) or
   * `timestamp` (write times: a resumed query may repeat changes of its backtracking window).
   * @default 'sequence'
   */
  readonly offsets?: 'sequence' | 'timestamp';
}

const summary = (changes: DurableStateChangeEnvelope[]) => changes.map((change) => [change.persistenceId, change.revision, change.value]);

/** Registers the durable state query suite with vitest. */
export function durableStateQueryConformance(
  name: string,
  factory: StoreFactory<DurableStateStore>,
  options: DurableStateQueryConformanceOptions = {},
): void {
  describe(`${name}: durable state query conformance`, () => {
    let store: DurableStateStore;
    let tag: string;
    const timestamps = options.offsets === 'timestamp';
    const queriesOf = (of: DurableStateStore, queryOptions: PollOptions & { readonly pageSize?: number } = {}): DurableStateQueries =>
      options.queries ? options.queries(of, queryOptions) : createDurableStateQueries(of, queryOptions);
    const test = freshStoreAndTagPerTest(factory, options, 'state-tag', (created, createdTag) => {
      store = created;
      tag = createdTag;
    });

    test('declares the queries capability this suite tests', async (context) => {
      if (options.queries) context.skip('the queries are a separate object, not the store');
      expect(durableStateCapabilities(store).queries, 'capabilities.queries').toBe(true);
    });

    test('tells subscribers about changes when it declares live', async (context) => {
      if (!durableStateCapabilities(store).live) context.skip('the store declares no live capability: live queries poll');
      await notifiedOrderings(store as QueryableDurableStateStore, () => store.upsert(uniqueId('live'), 1, 'v1', tag));
    });

    test('delivers the latest change of each tagged id, in change order', async () => {
      const [a, b, c] = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      await store.upsert(a, 1, 'a1', tag);
      await store.upsert(b, 1, 'b1', tag);
      await store.upsert(c, 1, 'c1', uniqueId('other'));
      await store.upsert(a, 2, 'a2', tag);
      const changes = await collect(queriesOf(store, { pageSize: 1 }).changesByTag(tag, NoOffset));
      expect(summary(changes)).toEqual([
        [b, 1, 'b1'],
        [a, 2, 'a2'],
      ]);
      expect(changes[0]?.tag).toBe(tag);
      // Write times may tie; a global order may not.
      const after = changes[0]?.ordering ?? 0;
      if (timestamps) expect(changes[1]?.ordering, `ordering at or after ${after}`).toBeGreaterThanOrEqual(after);
      else expect(changes[1]?.ordering, `ordering after ${after}`).toBeGreaterThan(after);
    });
    test('resumes after an offset with only what changed since', async () => {
      const queries = queriesOf(store);
      const [a, b] = [uniqueId('a'), uniqueId('b')];
      await store.upsert(a, 1, 'a1', tag);
      await store.upsert(b, 1, 'b1', tag);
      const first = await collect(queries.changesByTag(tag, NoOffset));
      await store.upsert(a, 2, 'a2', tag);
      const resumed = await collect(queries.changesByTag(tag, first[first.length - 1]?.offset ?? NoOffset));
      // By write time, the changes of the window before the offset may come again.
      const seen = new Set(first.map((change) => `${change.persistenceId}@${change.revision}`));
      const fresh = timestamps ? resumed.filter((change) => !seen.has(`${change.persistenceId}@${change.revision}`)) : resumed;
      expect(summary(fresh)).toEqual([[a, 2, 'a2']]);
    });
    test('reports a deletion as a change with no value', async () => {
      const id = uniqueId('deleted');
      await store.upsert(id, 1, 'v1', tag);
      await store.delete(id, 2);
      expect(summary(await collect(queriesOf(store).changesByTag(tag, NoOffset)))).toEqual([[id, 2, null]]);
    });
    test(
      'delivers new changes to a live query, woken by its own notifications when it declares live',
      async () => {
        const live = durableStateCapabilities(store).live;
        const controller = new AbortController();
        const id = uniqueId('live');
        const changes = queriesOf(store, livePollSettings(live))
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
