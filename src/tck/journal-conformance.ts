/**
 * The journal conformance suite: everything Akka Persistence's journal TCK checks, plus
 * gaps, duplicates, partial writes, concurrent writers, hostile ids and large payloads.
 * @module
 */
import { describe, expect } from 'vitest';
import { ErrorCodes, isMementoError } from '../core/errors.js';
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import { journalCapabilities } from '../spi/capabilities.js';
import type { Journal } from '../spi/journal.js';
import {
  type ConformanceOptions,
  collect,
  expectClosedStoreReleasesItsHandles,
  expectMementoError,
  freshStorePerTest,
  hostileIds,
  invalidIds,
  largeString,
  missingMethods,
  type Observed,
  type StoreFactory,
  shown,
  uniqueId,
  unserializableValue,
} from './support.js';

/** Options of {@link journalConformance}. */
export interface JournalConformanceOptions<J extends Journal = Journal> extends ConformanceOptions<J> {
  /** An event this journal's serialization rejects. @default an object whose getter throws */
  readonly unserializableEvent?: unknown;
  /** Size of the large-event test. @default 10 MiB */
  readonly largePayloadBytes?: number;
  /**
   * Fault injection: makes the backend fail when it stores event `sequenceNr` of
   * `persistenceId` (e.g. a trigger raising an error), after it may have stored the events
   * before it in the same AtomicWrite; resolves with a function removing the fault. When
   * given, the kit checks that a write failing midway stores none of its events.
   */
  readonly failStoringEvent?: (journal: J, persistenceId: string, sequenceNr: number) => Promise<() => Promise<void>>;
}

const TIME = 1_700_000_000_000;

/** Builds one event; timestamps are fixed so round-trips compare exactly. */
export function event(persistenceId: string, sequenceNr: number, payload: unknown = `event-${sequenceNr}`): PersistentRepr {
  return { persistenceId, sequenceNr, event: payload, timestamp: TIME + sequenceNr };
}

/** Builds an AtomicWrite of the given sequence numbers. */
export function atomicWrite(persistenceId: string, ...sequenceNrs: number[]): AtomicWrite {
  return { persistenceId, events: sequenceNrs.map((nr) => event(persistenceId, nr)) };
}

const numbers = (events: readonly PersistentRepr[]) => events.map((repr) => repr.sequenceNr);

/**
 * Registers the journal conformance suite with vitest. `factory` builds a fresh journal
 * per test; the kit closes it afterwards.
 */
export function journalConformance<J extends Journal>(
  name: string,
  factory: StoreFactory<J>,
  options: JournalConformanceOptions<J> = {},
): void {
  describe(`${name}: journal conformance`, () => {
    let journal: J;
    let pid: string;
    let observed: Observed;

    const test = freshStorePerTest(factory, options, 'journal', (...fresh) => {
      [journal, observed, pid] = fresh;
    });

    /** Events 1-3 written one by one, 4 and 5 as one AtomicWrite (the Akka TCK's fixture). */
    const writeFixture = async (id = pid) => {
      for (const nr of [1, 2, 3]) expect(await journal.write([atomicWrite(id, nr)])).toEqual([undefined]);
      expect(await journal.write([atomicWrite(id, 4, 5)])).toEqual([undefined]);
    };
    const replay = async (from: number, to: number, max?: number, id = pid) => numbers(await collect(journal.replay(id, from, to, max)));

    test('declares only capabilities it implements', async () => {
      const { queries, tags, live } = journalCapabilities(journal);
      if (queries) expect(missingMethods(journal, ['readByOrdering', 'listPersistenceIds']), 'capabilities.queries').toEqual([]);
      if (tags) expect(queries, 'capabilities.tags needs capabilities.queries (tags are read by ordering)').toBe(true);
      if (live) expect(missingMethods(journal, ['subscribe']), 'capabilities.live').toEqual([]);
    });

    test('replays all events', async () => {
      await writeFixture();
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([1, 2, 3, 4, 5]);
    });
    test('replays events from a lower bound', async () => {
      await writeFixture();
      expect(await replay(3, Number.POSITIVE_INFINITY)).toEqual([3, 4, 5]);
    });
    test('replays events up to an upper bound', async () => {
      await writeFixture();
      expect(await replay(1, 3)).toEqual([1, 2, 3]);
    });
    test('replays events up to a count limit', async () => {
      await writeFixture();
      expect(await replay(1, Number.POSITIVE_INFINITY, 3)).toEqual([1, 2, 3]);
    });
    test('replays events within lower and upper bounds', async () => {
      await writeFixture();
      expect(await replay(2, 3)).toEqual([2, 3]);
    });
    test('replays events within lower and upper bounds and a count limit', async () => {
      await writeFixture();
      expect(await replay(2, 5, 2)).toEqual([2, 3]);
    });
    test('replays a single event when lower equals upper', async () => {
      await writeFixture();
      expect(await replay(2, 2)).toEqual([2]);
    });
    test('replays a single event when the limit is 1', async () => {
      await writeFixture();
      expect(await replay(1, Number.POSITIVE_INFINITY, 1)).toEqual([1]);
    });
    test('replays nothing when the limit is 0', async () => {
      await writeFixture();
      expect(await replay(1, Number.POSITIVE_INFINITY, 0)).toEqual([]);
    });
    test('replays nothing when lower is greater than upper', async () => {
      await writeFixture();
      expect(await replay(3, 2)).toEqual([]);
    });
    test('replays nothing for an id never written', async () => {
      await writeFixture();
      expect(await replay(1, Number.POSITIVE_INFINITY, undefined, uniqueId('never'))).toEqual([]);
      expect(await journal.highestSequenceNr(uniqueId('never'))).toBe(0);
    });
    test('replays nothing past the highest sequence number', async () => {
      await writeFixture();
      expect(await replay(6, Number.POSITIVE_INFINITY)).toEqual([]);
    });
    test('does not replay deleted events', async () => {
      await writeFixture();
      await journal.deleteTo(pid, 3);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([4, 5]);
    });
    test('does not reset the highest sequence number after deleting some events', async () => {
      await writeFixture();
      await journal.deleteTo(pid, 3);
      expect(await journal.highestSequenceNr(pid)).toBe(5);
    });
    test('does not reset the highest sequence number after deleting every event', async () => {
      await writeFixture();
      await journal.deleteTo(pid, 5);
      expect(await journal.highestSequenceNr(pid)).toBe(5);
      await journal.deleteTo(pid, Number.POSITIVE_INFINITY);
      expect(await journal.highestSequenceNr(pid)).toBe(5);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([]);
    });
    test('replays correctly with bounds at, inside and just past a deleted prefix', async () => {
      await writeFixture();
      await journal.deleteTo(pid, 2);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([3, 4, 5]);
      expect(await replay(2, Number.POSITIVE_INFINITY)).toEqual([3, 4, 5]);
      expect(await replay(3, Number.POSITIVE_INFINITY)).toEqual([3, 4, 5]);
      expect(await replay(4, 4)).toEqual([4]);
      expect(await replay(1, 2)).toEqual([]);
      expect(await replay(1, 3, 1)).toEqual([3]);
    });
    test('continues after the highest sequence number once everything was deleted', async () => {
      await writeFixture();
      await journal.deleteTo(pid, 5);
      const [reused] = await journal.write([atomicWrite(pid, 1)]);
      expectMementoError(reused, ErrorCodes.concurrency, 'reused');
      expect(await journal.write([atomicWrite(pid, 6)])).toEqual([undefined]);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([6]);
    });
    test('deleting a range that was never written is a no-op', async () => {
      await journal.deleteTo(uniqueId('never'), 10);
      await writeFixture();
      await journal.deleteTo(pid, 0);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([1, 2, 3, 4, 5]);
    });

    test('rejects one AtomicWrite that cannot be serialized without losing the others', async () => {
      const [a, b, c] = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      const bad: AtomicWrite = {
        persistenceId: b,
        events: [event(b, 1), event(b, 2, options.unserializableEvent ?? unserializableValue())],
      };
      const results = await journal.write([atomicWrite(a, 1), bad, atomicWrite(c, 1, 2)]);
      expect(results[0]).toBeUndefined();
      expect(results[1]).toBeInstanceOf(Error);
      expectMementoError(results[1], ErrorCodes.serialization, 'results[1]');
      expect(results[2]).toBeUndefined();
      expect(await replay(1, Number.POSITIVE_INFINITY, undefined, a)).toEqual([1]);
      expect(await replay(1, Number.POSITIVE_INFINITY, undefined, b)).toEqual([]);
      expect(await journal.highestSequenceNr(b)).toBe(0);
      expect(await replay(1, Number.POSITIVE_INFINITY, undefined, c)).toEqual([1, 2]);
    });
    test('round-trips event, timestamp, manifest, tags, writer id and metadata', async () => {
      const stored: PersistentRepr = {
        persistenceId: pid,
        sequenceNr: 1,
        event: { type: 'placed', lines: [{ sku: 'a', qty: 2 }], note: 'ünïcødé ✓', nested: { deep: [1, null, true] } },
        timestamp: TIME + 42,
        manifest: 'order-placed.v2',
        tags: ['orders', 'eu'],
        writerId: 'writer-7',
        metadata: { correlationId: 'c-1', attempt: 3 },
      };
      expect(await journal.write([{ persistenceId: pid, events: [stored] }])).toEqual([undefined]);
      const [replayed] = await collect(journal.replay(pid, 1, 1));
      expect(replayed).toEqual(stored);
    });
    test('omits optional fields that were not written', async () => {
      await journal.write([atomicWrite(pid, 1)]);
      const [replayed] = await collect(journal.replay(pid, 1, 1));
      expect(replayed).toEqual(event(pid, 1));
    });

    test('rejects a write that duplicates a stored sequence number with ConcurrencyError', async () => {
      await writeFixture();
      const [result] = await journal.write([atomicWrite(pid, 5, 6)]);
      expectMementoError(result, ErrorCodes.concurrency, 'result');
      expect((result as { persistenceId?: string }).persistenceId).toBe(pid);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([1, 2, 3, 4, 5]);
      const [replayed5] = await collect(journal.replay(pid, 5, 5));
      expect(replayed5?.event).toBe('event-5');
    });
    test('names the expected and the found sequence number in ConcurrencyError', async () => {
      await writeFixture();
      for (const [first, write] of [
        [5, atomicWrite(pid, 5, 6)],
        [1, atomicWrite(pid, 1)],
        [7, atomicWrite(pid, 7, 8)],
      ] as const) {
        const [result] = await journal.write([write]);
        expectMementoError(result, ErrorCodes.concurrency, `writing from ${first} after 5`);
        const { persistenceId, expected, actual } = result as unknown as { persistenceId?: unknown; expected?: unknown; actual?: unknown };
        expect(
          { persistenceId, expected, actual },
          `ConcurrencyError of a write from ${first} after 5 (expected: highest + 1, actual: the write's first)`,
        ).toEqual({
          persistenceId: pid,
          expected: 6,
          actual: first,
        });
      }
    });
    test('rejects a write that leaves a gap with ConcurrencyError', async () => {
      await writeFixture();
      const [result] = await journal.write([atomicWrite(pid, 7)]);
      expectMementoError(result, ErrorCodes.concurrency, 'result');
      expect(await journal.highestSequenceNr(pid)).toBe(5);
    });
    test('rejects a first write that does not start at 1', async () => {
      const [result] = await journal.write([atomicWrite(pid, 2)]);
      expectMementoError(result, ErrorCodes.concurrency, 'result');
      expect(await journal.highestSequenceNr(pid)).toBe(0);
    });
    test('applies several writes to one id in one call in order, rejecting only the conflicting one', async () => {
      const other = uniqueId('other');
      const results = await journal.write([atomicWrite(pid, 1), atomicWrite(pid, 2, 3), atomicWrite(pid, 3, 4), atomicWrite(other, 1)]);
      expect(results[0]).toBeUndefined();
      expect(results[1]).toBeUndefined();
      expectMementoError(results[2], ErrorCodes.concurrency, 'results[2]');
      expect(results[3]).toBeUndefined();
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([1, 2, 3]);
      expect(await journal.highestSequenceNr(pid)).toBe(3);
      expect(await replay(1, Number.POSITIVE_INFINITY, undefined, other)).toEqual([1]);
    });
    test('never stores part of an AtomicWrite', async () => {
      await writeFixture();
      const poisoned: AtomicWrite = {
        persistenceId: pid,
        events: [event(pid, 6), event(pid, 7, options.unserializableEvent ?? unserializableValue()), event(pid, 8)],
      };
      const [result] = await journal.write([poisoned]);
      expect(result).toBeInstanceOf(Error);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([1, 2, 3, 4, 5]);
      expect(await journal.highestSequenceNr(pid)).toBe(5);
      expect(await journal.write([atomicWrite(pid, 6, 7, 8)])).toEqual([undefined]);
      expect(await replay(6, Number.POSITIVE_INFINITY)).toEqual([6, 7, 8]);
    });
    test('lets exactly one of several concurrent writers of the same sequence number win', async () => {
      const attempts = await Promise.all(
        Array.from({ length: 8 }, (_, writer) => journal.write([{ persistenceId: pid, events: [event(pid, 1, `writer-${writer}`)] }])),
      );
      const results = attempts.map(([result]) => result);
      expect(results.filter((result) => result === undefined)).toHaveLength(1);
      for (const result of results.filter((candidate) => candidate !== undefined)) {
        expectMementoError(result, ErrorCodes.concurrency, 'result');
      }
      const stored = await collect(journal.replay(pid, 1, Number.POSITIVE_INFINITY));
      expect(numbers(stored)).toEqual([1]);
      expect(stored[0]?.event).toBe(`writer-${results.indexOf(undefined)}`);
    });
    test('keeps concurrent writers of different ids independent', async () => {
      const ids = Array.from({ length: 20 }, (_, index) => uniqueId(`concurrent-${index}`));
      const results = await Promise.all(ids.map((id) => journal.write([atomicWrite(id, 1, 2, 3)])));
      expect(results.flat()).toEqual(ids.map(() => undefined));
      for (const id of ids) expect(await replay(1, Number.POSITIVE_INFINITY, undefined, id)).toEqual([1, 2, 3]);
    });
    test('replays a long history in order', async () => {
      const total = 2_500;
      for (let start = 1; start <= total; start += 500) {
        const nrs = Array.from({ length: 500 }, (_, offset) => start + offset);
        expect(await journal.write([atomicWrite(pid, ...nrs)])).toEqual([undefined]);
      }
      const replayed = await replay(1, Number.POSITIVE_INFINITY);
      expect(replayed).toHaveLength(total);
      expect(
        replayed.filter((nr, index) => nr !== index + 1),
        'events out of place',
      ).toEqual([]);
      expect(await replay(1_234, 2_345, 10)).toEqual(Array.from({ length: 10 }, (_, index) => 1_234 + index));
    });
    test('round-trips a large event', async () => {
      const payload = largeString(options.largePayloadBytes ?? 10 * 1024 * 1024);
      expect(await journal.write([{ persistenceId: pid, events: [event(pid, 1, payload)] }])).toEqual([undefined]);
      const [replayed] = await collect(journal.replay(pid, 1, 1));
      if (replayed?.event !== payload) {
        expect.fail(
          `the ${payload.length}-character event came back as ${shown(replayed?.event)} of length ${String((replayed?.event as string)?.length)}`,
        );
      }
    });

    test('keeps hostile persistence ids apart', async () => {
      const ids = hostileIds();
      for (const id of ids) expect(await journal.write([{ persistenceId: id, events: [event(id, 1, `for ${id}`)] }])).toEqual([undefined]);
      for (const id of ids) {
        const replayed = await collect(journal.replay(id, 1, Number.POSITIVE_INFINITY));
        expect(replayed.map((repr) => [repr.persistenceId, repr.event])).toEqual([[id, `for ${id}`]]);
        expect(await journal.highestSequenceNr(id)).toBe(1);
      }
      await journal.deleteTo(ids[0] as string, 1);
      for (const id of ids.slice(1)) expect(await replay(1, Number.POSITIVE_INFINITY, undefined, id)).toEqual([1]);
    });
    test('rejects invalid persistence ids with InvalidPersistenceIdError and writes nothing', async () => {
      for (const bad of invalidIds) {
        const write = {
          persistenceId: bad,
          events: [{ persistenceId: bad, sequenceNr: 1, event: 'x', timestamp: TIME }],
        } as unknown as AtomicWrite;
        await expect(journal.write([atomicWrite(pid, 1), write])).rejects.toSatisfy((error) =>
          isMementoError(error, ErrorCodes.invalidPersistenceId),
        );
        await expect(collect(journal.replay(bad as string, 1, 10))).rejects.toSatisfy((error) =>
          isMementoError(error, ErrorCodes.invalidPersistenceId),
        );
        await expect(journal.highestSequenceNr(bad as string)).rejects.toSatisfy((error) =>
          isMementoError(error, ErrorCodes.invalidPersistenceId),
        );
        await expect(journal.deleteTo(bad as string, 1)).rejects.toSatisfy((error) =>
          isMementoError(error, ErrorCodes.invalidPersistenceId),
        );
      }
      expect(await journal.highestSequenceNr(pid)).toBe(0);
    });
    test('rejects malformed writes as a whole before storing anything', async () => {
      const malformed: unknown[] = [
        [{ persistenceId: pid, events: [] }],
        [{ persistenceId: pid, events: [event(pid, 1), event(pid, 3)] }],
        [{ persistenceId: pid, events: [event(uniqueId('other'), 1)] }],
        [{ persistenceId: pid, events: [{ ...event(pid, 1), sequenceNr: 0 }] }],
        [{ persistenceId: pid, events: [{ ...event(pid, 1), timestamp: Number.NaN }] }],
        [{ persistenceId: pid, events: [{ ...event(pid, 1), tags: [''] }] }],
        'not an array',
      ];
      const innocent = uniqueId('innocent');
      for (const writes of malformed) {
        await expect(
          journal.write([atomicWrite(innocent, 1), ...(Array.isArray(writes) ? writes : [writes])] as AtomicWrite[]),
          `a call holding ${JSON.stringify(writes)}`,
        ).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.invalidArgument));
        // The valid write travelling with the malformed one was refused with it.
        expect(await replay(1, Number.POSITIVE_INFINITY, undefined, innocent), `events of ${innocent}`).toEqual([]);
        expect(await journal.highestSequenceNr(innocent), `highest sequence number of ${innocent}`).toBe(0);
      }
      await expect(journal.write('nope' as unknown as AtomicWrite[])).rejects.toSatisfy((error) =>
        isMementoError(error, ErrorCodes.invalidArgument),
      );
      expect(await journal.highestSequenceNr(pid)).toBe(0);
      expect(await replay(1, Number.POSITIVE_INFINITY)).toEqual([]);
    });
    test('rejects invalid replay bounds naming the argument', async () => {
      for (const [from, to, max] of [
        [-1, 10, 1],
        [Number.NaN, 10, 1],
        [1, -5, 1],
        [1, 10, -1],
        [1.5, 10, 1],
      ] as const) {
        await expect(collect(journal.replay(pid, from, to, max))).rejects.toSatisfy((error) =>
          isMementoError(error, ErrorCodes.invalidArgument),
        );
      }
    });
    test('fails every operation after close with StoreClosedError', async () => {
      await journal.close();
      await expect(journal.write([atomicWrite(pid, 1)])).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.storeClosed));
      await expect(collect(journal.replay(pid, 1, 10))).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.storeClosed));
      await expect(journal.highestSequenceNr(pid)).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.storeClosed));
      await journal.close();
    });
    const midway = 'never stores part of an AtomicWrite the backend fails midway';
    if (!options.failStoringEvent) {
      test.unavailable(midway, 'no failStoringEvent option: the kit cannot make the backend fail in the middle of a write');
    } else {
      const failStoringEvent = options.failStoringEvent;
      test(midway, async () => {
        await writeFixture();
        const removeFault = await failStoringEvent(journal, pid, 8);
        let outcome: unknown;
        try {
          outcome = await journal.write([atomicWrite(pid, 6, 7, 8, 9)]).then(
            ([result]) => result,
            (error: unknown) => error,
          );
        } finally {
          await removeFault();
        }
        expect(outcome, 'the write the backend failed at event 8').toBeInstanceOf(Error);
        expect(await replay(1, Number.POSITIVE_INFINITY), 'events stored after the failed write').toEqual([1, 2, 3, 4, 5]);
        expect(await journal.highestSequenceNr(pid), 'highest sequence number after the failed write').toBe(5);
        expect(await journal.write([atomicWrite(pid, 6, 7, 8, 9)])).toEqual([undefined]);
      });
    }
    test('reports each operation to hooks.onOperation with the store and persistence id', async () => {
      await journal.write([atomicWrite(pid, 1, 2)]);
      await collect(journal.replay(pid, 1, Number.POSITIVE_INFINITY));
      await journal.highestSequenceNr(pid);
      await journal.deleteTo(pid, 1);
      const reported = observed.operations.filter((event) => event.persistenceId === pid || event.operation === 'journal.write');
      const operations = new Set(reported.map((event) => event.operation));
      expect(
        ['journal.write', 'journal.replay', 'journal.highestSequenceNr', 'journal.deleteTo'].filter(
          (operation) => !operations.has(operation as never),
        ),
        `operations missing from hooks.onOperation (it reported ${JSON.stringify([...operations])})`,
      ).toEqual([]);
      for (const event of reported) {
        expect(typeof event.store === 'string' && event.store.length > 0, `store name of ${event.operation}: ${shown(event.store)}`).toBe(
          true,
        );
        expect(
          Number.isFinite(event.durationMs) && event.durationMs >= 0,
          `durationMs of ${event.operation}: ${shown(event.durationMs)}`,
        ).toBe(true);
      }
    });
    test('releases the clients and handles it opened itself when closed', async () => {
      await expectClosedStoreReleasesItsHandles(factory, options, async (other) => {
        const id = uniqueId('release');
        await other.write([atomicWrite(id, 1)]);
        await collect(other.replay(id, 1, 1));
      });
    });
    test.checkSkipList();
  });
}
