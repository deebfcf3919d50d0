import { describe, expect, it } from 'vitest';
import { type AtomicWrite, createReadJournal, type EventEnvelope, MemoryJournal, NoOffset, sequenceOffset } from '../../src/index.js';

const write = (persistenceId: string, from: number, count: number, tags?: string[]): AtomicWrite => ({
  persistenceId,
  events: Array.from({ length: count }, (_, index) => ({
    persistenceId,
    sequenceNr: from + index,
    event: `${persistenceId}-${from + index}`,
    timestamp: 1,
    tags,
  })),
});

async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length === count) break;
  }
  return out;
}

describe('createReadJournal over the memory journal', () => {
  it('streams events by persistence id within bounds, paging through long histories', async () => {
    const journal = new MemoryJournal();
    await journal.write([write('a', 1, 1200)]);
    const queries = createReadJournal(journal, { pageSize: 100 });
    const all: EventEnvelope[] = [];
    for await (const envelope of queries.eventsByPersistenceId('a', 1, Number.POSITIVE_INFINITY)) all.push(envelope);
    expect(all.map((envelope) => envelope.sequenceNr)).toEqual(Array.from({ length: 1200 }, (_, index) => index + 1));
    const some: number[] = [];
    for await (const envelope of queries.eventsByPersistenceId('a', 1000, 1010)) some.push(envelope.sequenceNr);
    expect(some).toEqual(Array.from({ length: 11 }, (_, index) => 1000 + index));
  });

  it('streams events by tag in global order and resumes after an offset without repeats', async () => {
    const journal = new MemoryJournal();
    await journal.write([write('a', 1, 2, ['blue']), write('b', 1, 1, ['red']), write('c', 1, 2, ['blue'])]);
    const queries = createReadJournal(journal, { pageSize: 1 });
    const first: EventEnvelope[] = [];
    for await (const envelope of queries.eventsByTag('blue', NoOffset)) first.push(envelope);
    expect(first.map((envelope) => envelope.event)).toEqual(['a-1', 'a-2', 'c-1', 'c-2']);
    const resumed: unknown[] = [];
    for await (const envelope of queries.eventsByTag('blue', first[1]?.offset ?? NoOffset)) resumed.push(envelope.event);
    expect(resumed).toEqual(['c-1', 'c-2']);
  });

  it('live streams see new events without restarting, woken by the journal, and stop on abort', async () => {
    const journal = new MemoryJournal();
    // Polls would come only after an hour: what arrives within the test came through the journal's notifications.
    const queries = createReadJournal(journal, { minPollMs: 3_600_000, maxPollMs: 3_600_000 });
    const controller = new AbortController();
    const byTag = queries.eventsByTag('t', NoOffset, { live: true, signal: controller.signal })[Symbol.asyncIterator]();
    const byId = queries
      .eventsByPersistenceId('x', 1, Number.POSITIVE_INFINITY, { live: true, signal: controller.signal })
      [Symbol.asyncIterator]();
    const firstByTag = byTag.next();
    const firstById = byId.next();
    await journal.write([write('x', 1, 1, ['t'])]);
    expect((await firstByTag).value?.event).toBe('x-1');
    expect((await firstById).value?.sequenceNr).toBe(1);
    // Both streams are open and caught up, so these events can only reach them live.
    await journal.write([write('x', 2, 1, ['t']), write('y', 1, 1, ['t'])]);
    expect([(await byTag.next()).value?.event, (await byTag.next()).value?.event]).toEqual(['x-2', 'y-1']);
    expect((await byId.next()).value?.sequenceNr).toBe(2);

    const endless = queries.eventsByTag('never', NoOffset, { live: true, signal: controller.signal });
    const finished = (async () => {
      for await (const _ of endless) {
        // nothing is tagged 'never'
      }
      return 'ended';
    })();
    controller.abort();
    expect(await finished).toBe('ended');
  });

  it('lists persistence ids, and live lists new ones that sort before old ones', async () => {
    const journal = new MemoryJournal();
    await journal.write([write('m', 1, 1), write('z', 1, 1)]);
    const queries = createReadJournal(journal, { pageSize: 1, minPollMs: 3_600_000, maxPollMs: 3_600_000 });
    const current: string[] = [];
    for await (const id of queries.persistenceIds()) current.push(id);
    expect(current).toEqual(['m', 'z']);
    const live = queries.persistenceIds({ live: true })[Symbol.asyncIterator]();
    expect([(await live.next()).value, (await live.next()).value]).toEqual(['m', 'z']);
    // The live listing has delivered every id there was, so 'a' can only reach it live.
    await journal.write([write('a', 1, 1), write('m', 2, 1)]);
    expect((await live.next()).value).toBe('a');
    await live.return?.();
  });

  it('does not deliver deleted events, and offsets stay valid after deletion', async () => {
    const journal = new MemoryJournal();
    await journal.write([write('a', 1, 3, ['t']), write('b', 1, 1, ['t'])]);
    await journal.deleteTo('a', 2);
    const queries = createReadJournal(journal);
    const events: unknown[] = [];
    for await (const envelope of queries.eventsByTag('t', sequenceOffset(0))) events.push(envelope.event);
    expect(events).toEqual(['a-3', 'b-1']);
  });

  it('rejects journals without query support and bad arguments', async () => {
    const plain = {
      write: async () => [],
      replay: async function* () {},
      highestSequenceNr: async () => 0,
      deleteTo: async () => {},
      close: async () => {},
    };
    expect(() => createReadJournal(plain)).toThrow(/QueryableJournal/);
    const queries = createReadJournal(new MemoryJournal());
    await expect(take(queries.eventsByTag('', NoOffset), 1)).rejects.toThrow(/tag/);
    await expect(take(queries.eventsByPersistenceId('a\u0000', 1, 2), 1)).rejects.toThrow(/U\+0000/);
  });
});
