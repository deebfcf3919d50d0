/**
 * A store closed under a live query: the query's wait ends at once (no write, no poll: the
 * poll interval is beyond the test's timeout) with the store's StoreClosedError, which ends
 * the `for await` loop with that error. A query whose own signal was aborted first ends
 * normally. Memory, SQLite and PostgreSQL, with and without append notifications.
 */
import { getEventListeners } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AtomicWrite,
  createDurableStateQueries,
  createReadJournal,
  type DurableStateStore,
  type Journal,
  MemoryDurableStateStore,
  MemoryJournal,
  NoOffset,
  type QueryableDurableStateStore,
} from '../../src/index.js';
import { PostgresDurableStateStore, PostgresJournal } from '../../src/postgres/index.js';
import { SqliteDurableStateStore, SqliteJournal } from '../../src/sqlite/index.js';
import { UNREACHABLE_POLL_MS, within } from '../../src/tck/support.js';
import { useSchema } from '../postgres/support.js';
import { removeTempDirs, tempFile } from '../sqlite/helpers.js';

const pg = useSchema('guards_close');
afterAll(removeTempDirs);

/** Polls so rarely that only the close can end a wait within the test. */
const poll = { minPollMs: UNREACHABLE_POLL_MS, maxPollMs: UNREACHABLE_POLL_MS };
const BOUND_MS = 10_000;

const journals: [string, () => Journal][] = [
  ['memory', () => new MemoryJournal()],
  ['sqlite', () => new SqliteJournal(tempFile('close'))],
  ['postgres (LISTEN)', () => new PostgresJournal({ pool: pg.pool, schema: pg.schema })],
  ['postgres (no notifications)', () => new PostgresJournal({ pool: pg.pool, schema: pg.schema, notifyChannel: false })],
];

const stateStores: [string, () => DurableStateStore][] = [
  ['memory', () => new MemoryDurableStateStore()],
  ['sqlite', () => new SqliteDurableStateStore(tempFile('close'))],
  ['postgres (LISTEN)', () => new PostgresDurableStateStore({ pool: pg.pool, schema: pg.schema })],
  ['postgres (no notifications)', () => new PostgresDurableStateStore({ pool: pg.pool, schema: pg.schema, notifyChannel: false })],
];

const oneEvent = (persistenceId: string): AtomicWrite => ({
  persistenceId,
  events: [{ persistenceId, sequenceNr: 1, event: 'opened', timestamp: 1, tags: [`tag-${persistenceId}`] }],
});

/**
 * Resolves once a live query is parked in its wait for changes: the waiter then listens to
 * the store's close (its process hold listens from the start, so two listeners).
 */
async function waitingOn(store: { readonly closeSignal?: AbortSignal }): Promise<void> {
  const signal = store.closeSignal;
  if (!signal) throw new Error('the store has no closeSignal');
  const deadline = Date.now() + BOUND_MS;
  while (getEventListeners(signal, 'abort').length < 2) {
    if (Date.now() > deadline) throw new Error(`the live query never started waiting (waited ${BOUND_MS} ms)`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Takes the `stored` items the store holds, then asserts the close ends the next `next()`
 * (a wait for changes) with StoreClosedError, and the stream with it.
 */
async function expectClosedWhileWaiting<T>(store: Journal | DurableStateStore, query: AsyncIterable<T>, stored = 1): Promise<void> {
  const stream = query[Symbol.asyncIterator]();
  for (let taken = 0; taken < stored; taken++) expect((await stream.next()).done).toBe(false);
  const outcome = stream.next().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await waitingOn(store);
  await store.close();
  expect(await within(outcome, BOUND_MS, 'the live query did not end after its store was closed')).toMatchObject({
    error: { code: 'MEMENTO_STORE_CLOSED', message: expect.stringMatching(/closed while a live query waited/) },
  });
  expect(await stream.next()).toEqual({ done: true, value: undefined });
}

describe.each(journals)('a live query over a %s journal that is closed while it waits', (_name, open) => {
  it('eventsByTag fails with StoreClosedError at once', async () => {
    const journal = open();
    const id = `close-${crypto.randomUUID()}`;
    await journal.write([oneEvent(id)]);
    await expectClosedWhileWaiting(journal, createReadJournal(journal, poll).eventsByTag(`tag-${id}`, NoOffset, { live: true }));
  });

  it('eventsByPersistenceId fails with StoreClosedError at once', async () => {
    const journal = open();
    const id = `close-${crypto.randomUUID()}`;
    await journal.write([oneEvent(id)]);
    await expectClosedWhileWaiting(
      journal,
      createReadJournal(journal, poll).eventsByPersistenceId(id, 1, Number.POSITIVE_INFINITY, { live: true }),
    );
  });

  it('persistenceIds fails with StoreClosedError at once', async () => {
    const journal = open();
    await journal.write([oneEvent(`close-${crypto.randomUUID()}`)]);
    const queries = createReadJournal(journal, poll);
    // The schema is shared with the other tests: the live stream first delivers every id it holds.
    let stored = 0;
    for await (const _id of queries.persistenceIds()) stored++;
    await expectClosedWhileWaiting(journal, queries.persistenceIds({ live: true }), stored);
  });

  it('ends normally when its signal is aborted before the store is closed', async () => {
    const journal = open();
    const id = `close-${crypto.randomUUID()}`;
    await journal.write([oneEvent(id)]);
    const controller = new AbortController();
    const stream = createReadJournal(journal, poll)
      .eventsByTag(`tag-${id}`, NoOffset, { live: true, signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await stream.next()).done).toBe(false);
    const next = stream.next();
    await waitingOn(journal);
    controller.abort();
    await journal.close();
    expect(await within(next, BOUND_MS, 'the aborted live query did not end')).toEqual({ done: true, value: undefined });
  });
});

describe.each(stateStores)('a live change query over a %s durable state store that is closed while it waits', (_name, open) => {
  it('changesByTag fails with StoreClosedError at once', async () => {
    const store = open();
    const id = `close-${crypto.randomUUID()}`;
    await store.upsert(id, 1, { n: 1 }, `tag-${id}`);
    const changes = createDurableStateQueries(store as QueryableDurableStateStore, poll).changesByTag(`tag-${id}`, NoOffset, {
      live: true,
    });
    await expectClosedWhileWaiting(store, changes);
  });
});
