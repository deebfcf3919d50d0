/**
 * A store closed under a live query: the query does not hang or end as if nothing happened;
 * its next read (at the latest after `maxPollMs`) fails with the store's StoreClosedError,
 * which ends the `for await` loop with that error and releases the process.
 */
import { describe, expect, it } from 'vitest';
import { createDurableStateQueries, createReadJournal, MemoryDurableStateStore, MemoryJournal, NoOffset } from '../../src/index.js';

describe('a live query over a store that is closed', () => {
  it('eventsByTag fails with StoreClosedError at its next read', async () => {
    const journal = new MemoryJournal();
    const queries = createReadJournal(journal, { minPollMs: 10, maxPollMs: 20 });
    const stream = queries.eventsByTag('orders', NoOffset, { live: true })[Symbol.asyncIterator]();
    const first = stream.next();
    await journal.close();
    await expect(first).rejects.toMatchObject({ code: 'MEMENTO_STORE_CLOSED' });
  });

  it('changesByTag fails with StoreClosedError at its next read', async () => {
    const store = new MemoryDurableStateStore();
    const changes = createDurableStateQueries(store, { minPollMs: 10, maxPollMs: 20 }).changesByTag('t', NoOffset, { live: true });
    const first = changes[Symbol.asyncIterator]().next();
    await store.close();
    await expect(first).rejects.toMatchObject({ code: 'MEMENTO_STORE_CLOSED' });
  });
});
