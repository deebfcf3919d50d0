/**
 * Sliced projections (docs/scaling.md): ranges of slices run as separate projections with an
 * offset per slice, and the number of ranges can change between runs without handling any
 * event twice or missing one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AtomicWrite,
  createReadJournal,
  MemoryJournal,
  MemoryOffsetStore,
  NoOffset,
  runProjection,
  type SliceRange,
  sliceOf,
  sliceOffsetName,
  sliceRanges,
} from '../../src/index.js';
import { propertyRuns } from '../support/property-runs.js';

const ENTITY = 'cart';

const write = (persistenceId: string, from: number, count: number): AtomicWrite => ({
  persistenceId,
  events: Array.from({ length: count }, (_, index) => ({ persistenceId, sequenceNr: from + index, event: from + index, timestamp: 1 })),
});

/** A journal, its offsets, and a counter of handled (id, sequence number) pairs. */
function setup() {
  const journal = new MemoryJournal();
  const queries = createReadJournal(journal, { pageSize: 7 });
  const offsets = new MemoryOffsetStore();
  const handled = new Map<string, number>();
  const run = (range: SliceRange, options: { checkpointEvery?: number; saveEvery?: number; failAt?: string } = {}) =>
    runProjection({
      name: 'carts',
      slices: { range, checkpointEvery: options.checkpointEvery },
      saveEvery: options.saveEvery,
      source: (offset) => queries.eventsBySlices(ENTITY, range.minSlice, range.maxSlice, offset),
      handler: (envelope) => {
        const key = `${envelope.persistenceId}:${envelope.sequenceNr}`;
        if (key === options.failAt) throw new Error(`failing at ${key}`);
        handled.set(key, (handled.get(key) ?? 0) + 1);
      },
      offsetStore: offsets,
    }).done;
  const runAll = (count: number, options?: { checkpointEvery?: number }) =>
    Promise.all(sliceRanges(count).map((range) => run(range, options)));
  return { journal, offsets, handled, run, runAll };
}

describe('sliced projections', () => {
  it('sliceRanges(n) splits the 1024 slices into n equal ranges, and refuses counts that do not divide them', () => {
    expect(sliceRanges(4)).toEqual([
      { minSlice: 0, maxSlice: 255 },
      { minSlice: 256, maxSlice: 511 },
      { minSlice: 512, maxSlice: 767 },
      { minSlice: 768, maxSlice: 1023 },
    ]);
    expect(sliceRanges(1)).toEqual([{ minSlice: 0, maxSlice: 1023 }]);
    expect(() => sliceRanges(3)).toThrow(/power of two/);
    expect(() => sliceRanges(2048)).toThrow(/power of two/);
  });

  it('four ranges handle every event of the entity type once, and each range only its slices', async () => {
    const { journal, handled, runAll } = setup();
    const ids = Array.from({ length: 40 }, (_, index) => `${ENTITY}|${index}`);
    await journal.write(ids.map((id) => write(id, 1, 3)));
    await journal.write([write('other|1', 1, 2)]);
    await runAll(4);
    expect([...handled.keys()].sort()).toEqual(ids.flatMap((id) => [1, 2, 3].map((nr) => `${id}:${nr}`)).sort());
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
  });

  it('keeps an offset per slice, and a checkpoint moves slices without events to the range position', async () => {
    const { journal, offsets, run } = setup();
    const id = `${ENTITY}|7`;
    const slice = sliceOf(id);
    const range = sliceRanges(4).find((candidate) => candidate.minSlice <= slice && slice <= candidate.maxSlice) as SliceRange;
    await journal.write([write(id, 1, 2)]);
    await run(range, { checkpointEvery: 1_000 });
    expect(await offsets.load(sliceOffsetName('carts', slice))).toEqual({ type: 'sequence', value: 2 });
    const empty = slice === range.minSlice ? range.maxSlice : range.minSlice;
    // The run's end checkpoints every slice of the range to its position.
    expect(await offsets.load(sliceOffsetName('carts', empty))).toEqual({ type: 'sequence', value: 2 });
    const outside = range.maxSlice === 1023 ? 0 : range.maxSlice + 1;
    expect(await offsets.load(sliceOffsetName('carts', outside))).toEqual(NoOffset);
  });

  it('goes from 4 ranges to 8 and back to 2 between runs without handling an event twice or missing one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 40 }),
        fc.array(fc.constantFrom(1, 2, 4, 8, 16), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 20 }),
        async (writes, counts, checkpointEvery) => {
          const { journal, handled, runAll } = setup();
          const highest = new Map<string, number>();
          const perRun = Math.ceil(writes.length / counts.length);
          for (const [at, count] of counts.entries()) {
            for (const [idNumber, events] of writes.slice(at * perRun, (at + 1) * perRun)) {
              const id = `${ENTITY}|${idNumber}`;
              const from = (highest.get(id) ?? 0) + 1;
              await journal.write([write(id, from, events)]);
              highest.set(id, from + events - 1);
            }
            await runAll(count, { checkpointEvery });
          }
          const expected = [...highest].flatMap(([id, last]) => Array.from({ length: last }, (_, index) => `${id}:${index + 1}`));
          expect([...handled.keys()].sort()).toEqual(expected.sort());
          expect([...handled.values()].filter((count) => count !== 1)).toEqual([]);
        },
      ),
      { numRuns: propertyRuns(30) },
    );
  });

  it('after a failed handler, a restart handles the failed event and nothing it had handled already', async () => {
    const { journal, handled, run } = setup();
    const ids = Array.from({ length: 30 }, (_, index) => `${ENTITY}|${index}`);
    await journal.write(ids.map((id) => write(id, 1, 2)));
    const whole = { minSlice: 0, maxSlice: 1023 };
    await expect(run(whole, { failAt: `${ENTITY}|17:2`, checkpointEvery: 4, saveEvery: 3 })).rejects.toThrow(/failing at/);
    expect(handled.has(`${ENTITY}|17:2`)).toBe(false);
    await run(whole);
    expect(handled.size).toBe(60);
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
  });

  it('refuses an event outside its range, and a bad range or offset kind', async () => {
    const journal = new MemoryJournal();
    const queries = createReadJournal(journal);
    await journal.write([write(`${ENTITY}|1`, 1, 1)]);
    const slice = sliceOf(`${ENTITY}|1`);
    const other = slice === 0 ? { minSlice: 1, maxSlice: 1 } : { minSlice: 0, maxSlice: 0 };
    const wrongSource = runProjection({
      name: 'wrong',
      slices: { range: other },
      source: () => queries.eventsBySlices(ENTITY, 0, 1023, NoOffset),
      handler: () => {},
      offsetStore: new MemoryOffsetStore(),
    }).done;
    await expect(wrongSource).rejects.toThrow(new RegExp(`expected events of slices ${other.minSlice}-${other.maxSlice}`));
    const options = {
      name: 'bad',
      source: () => queries.eventsBySlices(ENTITY, 0, 1, NoOffset),
      handler: () => {},
      offsetStore: new MemoryOffsetStore(),
    };
    expect(() => runProjection({ ...options, slices: { range: { minSlice: 5, maxSlice: 1024 } } })).toThrow(/maxSlice <= 1023/);
    expect(() => runProjection({ ...options, slices: { range: { minSlice: 0, maxSlice: 1 }, offsets: 'clock' as 'sequence' } })).toThrow(
      /'sequence' or 'timestamp'/,
    );
  });
});
