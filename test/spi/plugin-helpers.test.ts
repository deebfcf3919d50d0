import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, type OperationName, pagedIterable, Serialization } from '../../src/index.js';
import { deferred } from '../../src/machine/deferred.js';
import { ChangeWaiter } from '../../src/spi/change-waiter.js';

describe('helpers a plugin author uses', () => {
  it('decodeEvent names the plugin given as source in its errors', () => {
    const serialization = new Serialization();
    const row = encodeEvent({ persistenceId: 'p', sequenceNr: 1, event: 'e', timestamp: 1 }, serialization);
    const damaged = { ...row, payload: row.payload.map((byte, index) => (index === row.payload.length - 2 ? byte ^ 0xff : byte)) };
    const error = (() => {
      try {
        decodeEvent(damaged, serialization, 'redis');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ source: 'redis', persistenceId: 'p' });
    expect((error as Error).message).toMatch(/^\[memento\] \[redis\] /);
    expect(decodeEvent(row, serialization, 'redis').event).toBe('e');
  });

  it('exports the paged replay helper and accepts a plugin’s own operation names', async () => {
    const pages = [[1, 2], [3], []];
    const items: number[] = [];
    for await (const item of pagedIterable(
      () => pages.shift(),
      (entry: number) => entry * 10,
    ))
      items.push(item);
    expect(items).toEqual([10, 20, 30]);
    const own: OperationName = 'redis.scan';
    expect(own).toBe('redis.scan');
  });
});

describe('ChangeWaiter', () => {
  it('reads again once a slow subscription holds, instead of sleeping through a change made meanwhile', async () => {
    const subscribed = deferred<{ close(): Promise<void> }>();
    const waiter = new ChangeWaiter({ subscribe: () => subscribed.promise }, undefined, { minPollMs: 3_600_000 });
    waiter.start();
    // A change lands now, before the subscription holds: nobody is told about it.
    const woken = waiter.wait();
    subscribed.resolve({ close: async () => {} });
    // Resolves with the subscription, an hour before the poll would have.
    expect(await woken).toBe(true);
    await waiter.close();
  });
});
