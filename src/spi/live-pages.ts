/**
 * The one live-polling loop of persistence queries: read a page, deliver it, read again at
 * once while pages come back full, end a finite query at the first short page, and wait
 * for a change (notification, backing-off poll, abort) before a live query reads again.
 * Read journals of every plugin stand on it.
 * @module
 */
import { type ChangeSource, ChangeWaiter, type PollOptions, unlessAborted } from './change-waiter.js';
import type { QueryOptions } from './read-journal.js';

/** One read of a polled query. */
export interface LivePage<T> {
  /** What to deliver, in order. */
  readonly items: readonly T[];
  /** More is there to read at once (a full page): read again without waiting. */
  readonly more: boolean;
}

/**
 * Delivers the pages `read` returns until a short page (finite query) or abort (live
 * query). `read` keeps its own position: it is called again only once the previous page
 * has been delivered. Changes announced by `source` wake a waiting live query early.
 */
export async function* livePages<T>(
  read: () => Promise<LivePage<T>>,
  opts: QueryOptions,
  poll: PollOptions,
  source: ChangeSource = {},
): AsyncIterable<T> {
  const waiter = new ChangeWaiter(source, opts.signal, poll);
  if (opts.live) waiter.start();
  try {
    while (!opts.signal?.aborted) {
      const page = await unlessAborted(read(), opts.signal);
      if (page === undefined) return;
      for (const item of page.items) yield item;
      if (page.more) continue;
      if (!opts.live) return;
      if (page.items.length > 0) waiter.progressed();
      if (!(await waiter.wait())) return;
    }
  } finally {
    await waiter.close();
  }
}
