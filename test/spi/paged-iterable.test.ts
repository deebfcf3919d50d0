import { describe, expect, it } from 'vitest';
import { type ItemPage, pagedItems, pagedIterable } from '../../src/spi/paged-iterable.js';

/** Pages handed out in order, counting fetches; `async` wraps each in a promise. */
function pages<T>(all: T[][], options: { async?: boolean; failAt?: number } = {}) {
  let fetched = 0;
  const source = () => {
    const index = fetched++;
    if (index === options.failAt) {
      const error = new Error(`page ${index} failed`);
      if (options.async) return Promise.reject(error);
      throw error;
    }
    const page = all[index];
    return options.async ? Promise.resolve(page) : page;
  };
  return { source, fetches: () => fetched };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('pagedIterable', () => {
  for (const async of [false, true]) {
    const kind = async ? 'asynchronous' : 'synchronous';

    it(`maps every entry of ${kind} pages in order and stops at an empty page`, async () => {
      const { source, fetches } = pages([[1, 2], [3], [], [4]], { async });
      expect(await collect(pagedIterable(source, (n) => n * 10))).toEqual([10, 20, 30]);
      expect(fetches()).toBe(3);
    });

    it(`fetches nothing before the first next() and no page after a break (${kind})`, async () => {
      const { source, fetches } = pages([[1, 2], [3, 4], [5]], { async });
      const iterable = pagedIterable(source, (n) => n);
      expect(fetches()).toBe(0);
      const seen: number[] = [];
      for await (const n of iterable) {
        seen.push(n);
        if (n === 2) break;
      }
      expect(seen).toEqual([1, 2]);
      expect(fetches()).toBe(1);
    });

    it(`rejects the next() whose page fails, after the items before it, then ends (${kind})`, async () => {
      const { source } = pages([[1], [2]], { async, failAt: 1 });
      const iterator = pagedIterable(source, (n) => n)[Symbol.asyncIterator]();
      expect(await iterator.next()).toEqual({ done: false, value: 1 });
      await expect(iterator.next()).rejects.toThrow('page 1 failed');
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });
  }

  it('rejects the next() whose item fails to map, and ends', async () => {
    const { source } = pages([[1, 2, 3]]);
    const iterator = pagedIterable(source, (n) => {
      if (n === 2) throw new Error('cannot map 2');
      return n;
    })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe(1);
    await expect(iterator.next()).rejects.toThrow('cannot map 2');
    expect((await iterator.next()).done).toBe(true);
  });

  it('fetches a page once when next() is called again before the fetch resolves', async () => {
    const { source, fetches } = pages([[1, 2], [3]], { async: true });
    const iterator = pagedIterable(source, (n) => n)[Symbol.asyncIterator]();
    const results = await Promise.all([iterator.next(), iterator.next(), iterator.next(), iterator.next()]);
    expect(results.map((result) => result.value)).toEqual([1, 2, 3, undefined]);
    expect(fetches()).toBe(3);
  });

  describe('iterate(onEnd)', () => {
    it('tells onEnd once, with every item, when read through', async () => {
      const { source } = pages([[1, 2], [3], []], { async: true });
      const ends: number[] = [];
      const iterator = pagedIterable(source, (n) => n).iterate((count) => ends.push(count));
      const seen: number[] = [];
      for (let result = await iterator.next(); !result.done; result = await iterator.next()) seen.push(result.value);
      await iterator.next();
      expect(seen).toEqual([1, 2, 3]);
      expect(ends).toEqual([3]);
    });

    it('tells onEnd the items handed out when stopped early, not the rest of the page', async () => {
      const { source } = pages([[1, 2, 3], [4]]);
      const ends: number[] = [];
      const iterator = pagedIterable(source, (n) => n).iterate((count) => ends.push(count));
      await iterator.next();
      await iterator.next();
      await iterator.return?.();
      await iterator.return?.();
      expect(ends).toEqual([2]);
    });

    it('tells onEnd the items before a failed page', async () => {
      const { source } = pages([[1], [2]], { failAt: 1 });
      const ends: number[] = [];
      const iterator = pagedIterable(source, (n) => n).iterate((count) => ends.push(count));
      await iterator.next();
      await expect(iterator.next()).rejects.toThrow('page 1 failed');
      expect(ends).toEqual([1]);
    });
  });

  describe('pages that ask for turns of the event loop (yieldEvery)', () => {
    const itemPage = (items: number[], yieldEvery?: number): ItemPage<number> => ({
      length: items.length,
      item: (index) => items[index] as number,
      yieldEvery,
    });
    /** For each item, whether a setImmediate callback queued before the iteration had run by then. */
    async function turnsSeen(page: ItemPage<number>): Promise<boolean[]> {
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      const seen: boolean[] = [];
      for await (const _ of pagedItems(() => (seen.length === 0 ? page : undefined))) seen.push(turned);
      return seen;
    }

    it('hands out items without a turn of the event loop when the page does not ask', async () => {
      const seen = await turnsSeen(itemPage(Array.from({ length: 1000 }, (_, index) => index)));
      expect(seen).toHaveLength(1000);
      expect(seen.every((turned) => !turned)).toBe(true);
    });

    it('lets the event loop turn before every yieldEvery-th item', async () => {
      const seen = await turnsSeen(itemPage([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4));
      // The 4th item is handed out after a turn, so the callback queued first has run by then.
      expect(seen).toEqual([false, false, false, true, true, true, true, true, true, true]);
    });

    it('keeps items and results in order when next() is called again during a turn', async () => {
      let served = false;
      const iterator = pagedItems(() => {
        if (served) return undefined;
        served = true;
        return itemPage([0, 1, 2, 3, 4, 5], 2);
      })[Symbol.asyncIterator]();
      const settled: number[] = [];
      const results = await Promise.all(
        Array.from({ length: 7 }, () =>
          iterator.next().then((result) => {
            settled.push(result.done ? -1 : result.value);
            return result;
          }),
        ),
      );
      expect(results.map((result) => (result.done ? -1 : result.value))).toEqual([0, 1, 2, 3, 4, 5, -1]);
      expect(settled).toEqual([0, 1, 2, 3, 4, 5, -1]);
    });
  });
});
