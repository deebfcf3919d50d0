/**
 * `changesByTag` over any {@link QueryableDurableStateStore}: the durable state counterpart
 * of `eventsByTag`, finite or live.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { validateInteger } from '../core/validation.js';
import { durableStateCapabilities } from '../spi/capabilities.js';
import { ChangeWaiter, closeOnly, type PollOptions, unlessAborted } from '../spi/change-waiter.js';
import {
  type DurableStateChange,
  type DurableStateStore,
  isQueryableDurableStateStore,
  type QueryableDurableStateStore,
} from '../spi/durable-state-store.js';
import { offsetToNumber } from '../spi/offset-store.js';
import type { Offset, QueryOptions } from '../spi/read-journal.js';

/** A change with the offset to resume after it. */
export interface DurableStateChangeEnvelope<S = unknown> extends DurableStateChange<S> {
  readonly offset: Offset;
}

/** Queries over durable state. */
export interface DurableStateQueries {
  /** Changes of ids tagged `tag` after `offset`; live, new changes as they happen. */
  changesByTag(tag: string, offset: Offset, opts?: QueryOptions): AsyncIterable<DurableStateChangeEnvelope>;
}

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
  const waiter = new ChangeWaiter(durableStateCapabilities(store).live ? store : closeOnly(store), opts.signal, poll);
  if (opts.live) waiter.start();
  try {
    while (!opts.signal?.aborted) {
      const page = await unlessAborted(store.readChangesByTag(tag, after, pageSize), opts.signal);
      if (page === undefined) return;
      for (const change of page) {
        after = change.ordering;
        yield { ...change, offset: { type: 'sequence', value: change.ordering } };
      }
      if (page.length === pageSize) continue;
      if (!opts.live) return;
      if (page.length > 0) waiter.progressed();
      if (!(await waiter.wait())) return;
    }
  } finally {
    await waiter.close();
  }
}
