/**
 * `changesByTag` over any {@link QueryableDurableStateStore}: the durable state counterpart
 * of `eventsByTag`, finite or live.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { validateInteger } from '../core/validation.js';
import { durableStateCapabilities } from '../spi/capabilities.js';
import { closeOnly, type PollOptions } from '../spi/change-waiter.js';
import {
  type DurableStateChangeEnvelope,
  type DurableStateQueries,
  type DurableStateStore,
  isQueryableDurableStateStore,
  type QueryableDurableStateStore,
} from '../spi/durable-state-store.js';
import { livePages } from '../spi/live-pages.js';
import { offsetToNumber } from '../spi/offset-store.js';
import type { Offset, QueryOptions } from '../spi/read-journal.js';

export type { DurableStateChangeEnvelope, DurableStateQueries };

/** Builds {@link DurableStateQueries} for a store implementing {@link QueryableDurableStateStore}. */
export function createDurableStateQueries(
  store: DurableStateStore,
  options: PollOptions & { pageSize?: number } = {},
): DurableStateQueries {
  if (!isQueryableDurableStateStore(store)) {
    throw new InvalidArgumentError(
      'store',
      'store: expected a durable state store declaring capabilities.queries (a QueryableDurableStateStore with readChangesByTag)',
      {
        expected: 'QueryableDurableStateStore',
        actual: store?.constructor?.name,
      },
    );
  }
  const pageSize = validateInteger(options.pageSize ?? 500, 'pageSize', {}, { min: 1 });
  return { changesByTag: (tag, offset, opts = {}) => changesByTag(store, pageSize, options, tag, offset, opts) };
}

async function* changesByTag(
  store: QueryableDurableStateStore,
  pageSize: number,
  poll: PollOptions,
  tag: string,
  offset: Offset,
  opts: QueryOptions,
): AsyncIterable<DurableStateChangeEnvelope> {
  if (typeof tag !== 'string' || tag.length === 0) {
    throw new InvalidArgumentError('tag', `tag: expected a non-empty string, found ${JSON.stringify(tag)}`, {
      expected: 'non-empty string',
      actual: tag,
    });
  }
  let after = offsetToNumber(offset);
  // Woken by the store's notifications only when it declares them; otherwise by polling.
  yield* livePages(
    async () => {
      const page = await store.readChangesByTag(tag, after, pageSize);
      after = page[page.length - 1]?.ordering ?? after;
      return {
        items: page.map((change) => ({ ...change, offset: { type: 'sequence', value: change.ordering } as const })),
        more: page.length === pageSize,
      };
    },
    opts,
    poll,
    durableStateCapabilities(store).live ? store : closeOnly(store),
  );
}
