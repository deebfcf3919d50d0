import { describe, expect, it } from 'vitest';
import { type AtomicWrite, createReadJournal, MemoryJournal, MemoryOffsetStore, NoOffset, runProjection } from '../../src/index.js';
import { deferred } from '../../src/machine/deferred.js';

const tagged = (persistenceId: string, from: number, count: number): AtomicWrite => ({
  persistenceId,
  events: Array.from({ length: count }, (_, index) => ({
    persistenceId,
    sequenceNr: from + index,
    event: { n: from + index },
    timestamp: 1,
    tags: ['p'],
  })),
});

describe('runProjection', () => {
  it('handles every event once and resumes from the stored offset after a restart', async () => {
    const journal = new MemoryJournal();
    const queries = createReadJournal(journal);
    const offsets = new MemoryOffsetStore();
    const seen: string[] = [];
    const run = () =>
      runProjection({
        name: 'totals',
        source: (offset) => queries.eventsByTag('p', offset),
        handler: (envelope) => {
          seen.push(`${envelope.persistenceId}-${envelope.sequenceNr}`);
        },
        offsetStore: offsets,
      }).done;
    await journal.write([tagged('a', 1, 3)]);
    await run();
    await journal.write([tagged('b', 1, 2)]);
    await run();
    expect(seen).toEqual(['a-1', 'a-2', 'a-3', 'b-1', 'b-2']);
    expect(await offsets.load('totals')).toEqual({ type: 'sequence', value: 5 });
  });

  it('redelivers the event whose handler failed, and nothing before it', async () => {
    const journal = new MemoryJournal();
    const queries = createReadJournal(journal);
    const offsets = new MemoryOffsetStore();
    await journal.write([tagged('a', 1, 4)]);
    const seen: number[] = [];
    let failOn: number | undefined = 3;
    const run = () =>
      runProjection({
        name: 'p',
        source: (offset) => queries.eventsByTag('p', offset),
        handler: (envelope) => {
          if (envelope.sequenceNr === failOn) throw new Error('downstream unavailable');
          seen.push(envelope.sequenceNr);
        },
        offsetStore: offsets,
        saveEvery: 10,
      }).done;
    await expect(run()).rejects.toThrow('downstream unavailable');
    failOn = undefined;
    await run();
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('runs live until its signal aborts', async () => {
    const journal = new MemoryJournal();
    // Polls would come only after an hour: what arrives within the test came through the journal's notifications.
    const queries = createReadJournal(journal, { minPollMs: 3_600_000, maxPollMs: 3_600_000 });
    const controller = new AbortController();
    const seen: number[] = [];
    const firstHandled = deferred<void>();
    const projection = runProjection({
      name: 'live',
      source: (offset) => queries.eventsByTag('p', offset, { live: true, signal: controller.signal }),
      handler: (envelope) => {
        seen.push(envelope.sequenceNr);
        if (seen.length === 1) firstHandled.resolve();
        if (seen.length === 3) controller.abort();
      },
      offsetStore: new MemoryOffsetStore(),
    });
    await journal.write([tagged('a', 1, 1)]);
    await firstHandled.promise;
    // The projection is running and caught up, so events 2 and 3 can only reach it live.
    await journal.write([tagged('a', 2, 2)]);
    expect(await projection.done).toEqual({ type: 'sequence', value: 3 });
    expect(seen).toEqual([1, 2, 3]);
  });

  it('validates its options', () => {
    const offsetStore = new MemoryOffsetStore();
    const source = () => createReadJournal(new MemoryJournal()).eventsByTag('p', NoOffset);
    expect(() => runProjection({ name: '', source, handler: () => {}, offsetStore })).toThrow(/name/);
    expect(() => runProjection({ name: 'x', source, handler: 'nope' as never, offsetStore })).toThrow(/handler/);
    expect(() => runProjection({ name: 'x', source, handler: () => {}, offsetStore, saveEvery: 0 })).toThrow(/saveEvery/);
  });
});
