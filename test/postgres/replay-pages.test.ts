/**
 * The page source of a PostgreSQL replay: which pages ask the iterator for turns of the
 * event loop (those whose successor is already requested, so its data can be taken in).
 */
import { describe, expect, it } from 'vitest';
import type { PersistentRepr } from '../../src/core/persistent-repr.js';
import { type ReplayPage, replayPages, YIELD_EVERY } from '../../src/postgres/replay-pages.js';
import { pagedItems } from '../../src/spi/paged-iterable.js';

/** A page of events `from .. from + rows - 1`, as a fetch returns it. */
function page(from: number, rows: number): ReplayPage {
  return {
    length: rows,
    lastSequenceNr: from + rows - 1,
    largestRow: 100,
    cutBytes: null,
    item: (index) => ({ persistenceId: 'p', sequenceNr: from + index, timestamp: 0, event: from + index }) as PersistentRepr,
  };
}

describe('replayPages', () => {
  it('asks for turns of the event loop on every page whose successor is being fetched, not on the last', async () => {
    const fetched: ReplayPage[] = [];
    const source = replayPages(
      'p',
      { from: 1, to: Number.POSITIVE_INFINITY, max: Number.POSITIVE_INFINITY },
      { pageSize: 4, pageBytes: 1 << 20 },
      async ([, from, , rows]) => {
        const next = page(from, Math.min(rows, 10 - from + 1));
        fetched.push(next);
        return next;
      },
    );
    const events: number[] = [];
    for await (const repr of pagedItems(source)) events.push(repr.sequenceNr);
    expect(events).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Pages of 4, 4 and 2 events: the short one ends the replay, so nothing follows it.
    expect(fetched.map((each) => each.length)).toEqual([4, 4, 2]);
    expect(fetched.map((each) => each.yieldEvery)).toEqual([YIELD_EVERY, YIELD_EVERY, undefined]);
  });

  it('fetches one page ahead of the consumer and no further, however quickly pages arrive', async () => {
    let fetches = 0;
    const source = replayPages(
      'p',
      { from: 1, to: 100, max: Number.POSITIVE_INFINITY },
      { pageSize: 10, pageBytes: 1 << 20 },
      async ([, from, , rows]) => {
        fetches++;
        return page(from, rows);
      },
    );
    const first = await source();
    expect(first?.item(9).sequenceNr).toBe(10);
    // Every fetch resolves at once: after a turn of the event loop, a page whose fetch started
    // its successor on arrival would have led to all ten pages of the range being fetched.
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetches).toBe(2);
    const second = await source();
    expect(second?.item(9).sequenceNr).toBe(20);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetches).toBe(3);
  });
});
