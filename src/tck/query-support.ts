/**
 * Shared pieces of the two query suites (journal queries, durable state queries): a fresh
 * store and tag per test, the poll settings of a live test, a bounded wait for a delivery,
 * and what a subscriber hears.
 * @module
 */
import {
  type ConformanceOptions,
  type ConformanceTestRegistrar,
  DELIVERY_BOUND_MS,
  freshStorePerTest,
  type StoreFactory,
  UNREACHABLE_POLL_MS,
  within,
} from './support.js';

/**
 * Gives every test a fresh store and a tag of its own (named after `tagLabel`), handed to
 * `onCreate` before the test, and returns the suite's test registrar.
 */
export function freshStoreAndTagPerTest<S extends { close(): Promise<void> }>(
  factory: StoreFactory<S>,
  options: ConformanceOptions<S>,
  tagLabel: string,
  onCreate: (store: S, tag: string) => void,
): ConformanceTestRegistrar {
  return freshStorePerTest(factory, options, tagLabel, (created, _observed, tag) => onCreate(created, tag));
}

/**
 * Poll settings of a live query under test: a store that declares live gets a poll timer out
 * of the test's reach, so only its own notifications can wake the query.
 */
export function livePollSettings(live: boolean): { readonly minPollMs: number; readonly maxPollMs: number } {
  return live ? { minPollMs: UNREACHABLE_POLL_MS, maxPollMs: UNREACHABLE_POLL_MS } : { minPollMs: 10, maxPollMs: 50 };
}

/** The next result of a live query, or a failure saying `what` was not delivered in time. */
export function nextDelivery<T>(query: AsyncIterator<T>, what: string): Promise<IteratorResult<T>> {
  return within(query.next(), DELIVERY_BOUND_MS, what);
}

/** A store live queries can subscribe to. */
interface Notifying {
  subscribe?(listener: (notification: { readonly ordering: number }) => void): Promise<{ close(): Promise<void> }>;
}

/**
 * Subscribes to `store`, makes `change` and resolves with the orderings heard once the first
 * notification arrived; the subscription is closed either way.
 */
export async function notifiedOrderings(store: Notifying, change: () => Promise<unknown>): Promise<number[]> {
  const heard: number[] = [];
  let wake: () => void = () => {};
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const subscription = await (store.subscribe as NonNullable<Notifying['subscribe']>)((notification) => {
    heard.push(notification.ordering);
    wake();
  });
  try {
    await change();
    await woken;
  } finally {
    await subscription.close();
  }
  return heard;
}
