/**
 * The query conformance suite: a journal's global ordering, tag filter and id listing, and
 * the read journal built on them (by tag, by id, live, resume without skips or repeats).
 * @module
 */
import { describe, expect } from 'vitest';
import type { AtomicWrite } from '../core/persistent-repr.js';
import { deferred } from '../machine/deferred.js';
import { createReadJournal } from '../query/read-journal.js';
import { journalCapabilities } from '../spi/capabilities.js';
import type { QueryableJournal } from '../spi/queryable-journal.js';
import { type EventEnvelope, NoOffset, type Offset } from '../spi/read-journal.js';
import { NUMBER_OF_SLICES, type SliceRange, sliceOf, sliceRanges } from '../spi/slices.js';
import { freshStoreAndTagPerTest, livePollSettings, nextDelivery, notifiedOrderings } from './query-support.js';
import { type ConformanceOptions, collect, liveTestTimeoutMs, type StoreFactory, uniqueId } from './support.js';

/** Options of {@link queryConformance}. */
export type QueryConformanceOptions = ConformanceOptions<QueryableJournal>;

const write = (persistenceId: string, from: number, count: number, tags?: string[]): AtomicWrite => ({
  persistenceId,
  events: Array.from({ length: count }, (_, index) => ({
    persistenceId,
    sequenceNr: from + index,
    event: `${persistenceId}:${from + index}`,
    timestamp: 1,
    tags,
  })),
});

async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

/**
 * Registers the query conformance suite with vitest for a journal implementing
 * `QueryableJournal`. Tags and ids are unique per test, so a shared database is fine.
 */
export function queryConformance(name: string, factory: StoreFactory<QueryableJournal>, options: QueryConformanceOptions = {}): void {
  describe(`${name}: query conformance`, () => {
    let journal: QueryableJournal;
    let tag: string;
    const test = freshStoreAndTagPerTest(factory, options, 'tag', (created, createdTag) => {
      journal = created;
      tag = createdTag;
    });
    const tagged = async (after = 0) => (await journal.readByOrdering(after, 10_000, { tag })).map((entry) => entry.repr.event);

    test('declares the queries and tags capabilities this suite tests', async () => {
      expect(journalCapabilities(journal)).toMatchObject({ queries: true, tags: true });
    });

    test('tells subscribers about appends when it declares live', async (context) => {
      if (!journalCapabilities(journal).live) context.skip('the journal declares no live capability: live queries poll');
      const heard = await notifiedOrderings(journal, () => journal.write([write(uniqueId('live'), 1, 1, [tag])]));
      expect(heard.length).toBeGreaterThan(0);
    });

    test('reads events in commit order with strictly increasing orderings', async () => {
      const [a, b] = [uniqueId('a'), uniqueId('b')];
      await journal.write([write(a, 1, 2, [tag])]);
      await journal.write([write(b, 1, 1, [tag]), write(a, 3, 1, [tag])]);
      const entries = await journal.readByOrdering(0, 100_000, { tag });
      expect(entries.map((entry) => entry.repr.event)).toEqual([`${a}:1`, `${a}:2`, `${b}:1`, `${a}:3`]);
      const orderings = entries.map((entry) => entry.ordering);
      expect(
        orderings.filter((ordering, index) => index > 0 && ordering <= (orderings[index - 1] as number)),
        `orderings not increasing in ${JSON.stringify(orderings)}`,
      ).toEqual([]);
      const afterSecond = await journal.readByOrdering(orderings[1] as number, 100_000, { tag });
      expect(afterSecond.map((entry) => entry.repr.event)).toEqual([`${b}:1`, `${a}:3`]);
    });
    test('filters by tag, listing an event under each of its tags', async () => {
      const other = uniqueId('other-tag');
      const id = uniqueId('tags');
      await journal.write([write(id, 1, 1, [tag]), write(id, 2, 1, [other]), write(id, 3, 1, [tag, other]), write(id, 4, 1)]);
      expect(await tagged()).toEqual([`${id}:1`, `${id}:3`]);
      expect((await journal.readByOrdering(0, 10_000, { tag: other })).map((entry) => entry.repr.event)).toEqual([`${id}:2`, `${id}:3`]);
      const limited = await journal.readByOrdering(0, 1, { tag });
      expect(limited.map((entry) => entry.repr.event)).toEqual([`${id}:1`]);
    });
    test('does not return deleted events', async () => {
      const id = uniqueId('deleted');
      await journal.write([write(id, 1, 4, [tag])]);
      await journal.deleteTo(id, 2);
      expect(await tagged()).toEqual([`${id}:3`, `${id}:4`]);
    });
    test('lists every persistence id once, in pages, including fully deleted ones', async () => {
      const prefix = uniqueId('ids');
      const ids = Array.from({ length: 7 }, (_, index) => `${prefix}-${index}`);
      for (const id of ids) await journal.write([write(id, 1, 1)]);
      await journal.deleteTo(ids[3] as string, 1);
      const listed: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await journal.listPersistenceIds(after, 2);
        listed.push(...page);
        if (page.length < 2) break;
        after = page[page.length - 1];
      }
      expect(listed.filter((id) => id.startsWith(prefix))).toEqual(ids);
      expect(new Set(listed).size).toBe(listed.length);
    });
    test('resumes eventsByTag from a stored offset without skipping or repeating', async () => {
      const queries = createReadJournal(journal, { pageSize: 3 });
      const ids = [uniqueId('r1'), uniqueId('r2')];
      await journal.write([write(ids[0] as string, 1, 5, [tag]), write(ids[1] as string, 1, 2, [tag])]);
      const firstRun = await take(queries.eventsByTag(tag, NoOffset), 4);
      const stored: Offset = (firstRun[firstRun.length - 1] as EventEnvelope).offset;
      await journal.write([write(ids[1] as string, 3, 3, [tag])]);
      const secondRun = await collect(queries.eventsByTag(tag, stored));
      const seen = [...firstRun, ...secondRun].map((envelope) => envelope.event);
      expect(seen).toEqual(await tagged());
      expect(seen).toHaveLength(10);
    });
    test(
      'delivers new events to live queries without restarting them, woken by its own notifications when it declares live',
      async () => {
        const live = journalCapabilities(journal).live;
        const queries = createReadJournal(journal, livePollSettings(live));
        const controller = new AbortController();
        const id = uniqueId('live');
        const byTag = queries.eventsByTag(tag, NoOffset, { live: true, signal: controller.signal })[Symbol.asyncIterator]();
        const byId = queries
          .eventsByPersistenceId(id, 1, Number.POSITIVE_INFINITY, { live: true, signal: controller.signal })
          [Symbol.asyncIterator]();
        const how = live ? 'a notification' : 'a poll';
        const next = async (stream: AsyncIterator<EventEnvelope>, name: string, expected: number) => {
          const result = await nextDelivery(stream, `${name} did not deliver event ${expected} through ${how}`);
          expect(result.done ? 'the stream ended' : result.value.sequenceNr, `${name}: next delivered event`).toBe(expected);
        };
        try {
          const firstByTag = next(byTag, 'eventsByTag', 1);
          const firstById = next(byId, 'eventsByPersistenceId', 1);
          await journal.write([write(id, 1, 1, [tag])]);
          await firstByTag;
          await firstById;
          // Both streams are open and caught up: the next events can only reach them live.
          await journal.write([write(id, 2, 2, [tag])]);
          for (const nr of [2, 3]) {
            await next(byTag, 'eventsByTag', nr);
            await next(byId, 'eventsByPersistenceId', nr);
          }
        } finally {
          controller.abort();
          await byTag.return?.();
          await byId.return?.();
        }
      },
      liveTestTimeoutMs(5),
    );
    test('eventsBySlices: the ranges of sliceRanges(4) split one entity type, each id in one range, in global order', async (context) => {
      if (!journalCapabilities(journal).slices) context.skip('the journal declares no slices capability');
      const entityType = uniqueId('type');
      const ids = Array.from({ length: 24 }, (_, index) => `${entityType}|${index}`);
      await journal.write(ids.map((id) => write(id, 1, 2)));
      await journal.write([write(`${uniqueId('other')}|1`, 1, 1), write(entityType, 1, 1), write(`${entityType}x|1`, 1, 1)]);
      const queries = createReadJournal(journal, { pageSize: 5 });
      const byRange = await Promise.all(
        sliceRanges(4).map((range) => collect(queries.eventsBySlices(entityType, range.minSlice, range.maxSlice, NoOffset))),
      );
      // The bare entity type is an id of that type too (entityTypeOf gives the whole id).
      const expected = [...ids, entityType];
      byRange.forEach((envelopes, index) => {
        const range = sliceRanges(4)[index] as SliceRange;
        for (const envelope of envelopes) expect(sliceOf(envelope.persistenceId)).toBeGreaterThanOrEqual(range.minSlice);
        for (const envelope of envelopes) expect(sliceOf(envelope.persistenceId)).toBeLessThanOrEqual(range.maxSlice);
        const orderings = envelopes.map((envelope) => (envelope.offset as { value: number }).value);
        expect(orderings.every((ordering, at) => at === 0 || ordering > (orderings[at - 1] as number))).toBe(true);
      });
      const delivered = byRange.flat().map((envelope) => `${envelope.persistenceId}:${envelope.sequenceNr}`);
      const wanted = expected.flatMap((id) => (id === entityType ? [`${id}:1`] : [`${id}:1`, `${id}:2`]));
      expect(delivered.sort()).toEqual(wanted.sort());
      const whole = await collect(queries.eventsBySlices(entityType, 0, NUMBER_OF_SLICES - 1, NoOffset));
      expect(whole).toHaveLength(wanted.length);
    });
    test('eventsBySlices: live, resumed from an offset without skipping or repeating', async (context) => {
      if (!journalCapabilities(journal).slices) context.skip('the journal declares no slices capability');
      const entityType = uniqueId('live-type');
      const id = `${entityType}|1`;
      const slice = sliceOf(id);
      const queries = createReadJournal(journal, { minPollMs: 10, maxPollMs: 50 });
      await journal.write([write(id, 1, 2)]);
      const [first] = await take(queries.eventsBySlices(entityType, slice, slice, NoOffset), 1);
      const controller = new AbortController();
      const live = queries
        .eventsBySlices(entityType, slice, slice, (first as EventEnvelope).offset, { live: true, signal: controller.signal })
        [Symbol.asyncIterator]();
      const delivered = async () => ((await nextDelivery(live, `${name}: live eventsBySlices`)).value as EventEnvelope).sequenceNr;
      expect(await delivered()).toBe(2);
      await journal.write([write(id, 3, 2)]);
      expect([await delivered(), await delivered()]).toEqual([3, 4]);
      controller.abort();
      await expect(journal.readByOrdering(0, 10, { tag, slices: { entityType, minSlice: 0, maxSlice: 1 } })).rejects.toThrow(/not both/);
      await expect(collect(queries.eventsBySlices(entityType, 5, 4, NoOffset))).rejects.toThrow(/minSlice <= maxSlice/);
    });
    test('a reader polling during concurrent writes sees every event exactly once, in order', async () => {
      const ids = Array.from({ length: 6 }, (_, index) => uniqueId(`concurrent-${index}`));
      const perId = 20;
      let wrote = deferred<void>();
      const writers = ids.map(async (id) => {
        for (let nr = 1; nr <= perId; nr += 2) {
          const [result] = await journal.write([write(id, nr, 2, [tag])]);
          if (result) throw result;
          const announce = wrote;
          wrote = deferred<void>();
          announce.resolve();
        }
      });
      const seen: number[] = [];
      let after = 0;
      let writing = true;
      const done = Promise.all(writers).then(() => {
        writing = false;
      });
      for (;;) {
        // Only a read that began after the last write may end the loop.
        const writersFinished = !writing;
        const nextWrite = wrote.promise;
        const page = await journal.readByOrdering(after, 7, { tag });
        for (const entry of page) {
          seen.push(entry.ordering);
          after = entry.ordering;
        }
        if (page.length > 0) continue;
        if (writersFinished) break;
        await Promise.race([nextWrite, done]);
      }
      await done;
      expect(seen).toHaveLength(ids.length * perId);
      expect(
        seen.filter((ordering, index) => index > 0 && ordering <= (seen[index - 1] as number)),
        'orderings seen out of order or twice',
      ).toEqual([]);
    });
    test.checkSkipList();
  });
}
