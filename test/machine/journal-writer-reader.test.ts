import { describe, expect, it } from 'vitest';
import { type Action, ErrorCodes, isConcurrencyError, JournalReader, JournalWriter, MemoryJournal } from '../../src/index.js';
import { deferred } from '../../src/machine/deferred.js';

const draft = (n: number) => ({ type: 'add', payload: { n }, timestamp: 1000 + n });

async function readAll(reader: JournalReader, afterId: string | null): Promise<Action[]> {
  const actions: Action[] = [];
  for await (const action of reader.read(afterId, { signal: new AbortController().signal })) actions.push(action);
  return actions;
}

describe('JournalWriter', () => {
  it('gives each action its sequence number as id, and writes a batch as one AtomicWrite', async () => {
    const journal = new MemoryJournal();
    const writes: number[] = [];
    const original = journal.write.bind(journal);
    journal.write = async (batch) => {
      writes.push(batch.length);
      return original(batch);
    };
    const writer = new JournalWriter(journal, 'ids');
    expect((await writer.write(draft(1))).id).toBe('1');
    const many = await writer.writeMany([draft(2), draft(3), draft(4)]);
    expect(many.map((action) => action.id)).toEqual(['2', '3', '4']);
    expect(many[1]).toEqual({ id: '3', sequenceNr: 3, type: 'add', payload: { n: 3 }, timestamp: 1003 });
    expect(writes).toEqual([1, 1]);
  });

  it('groups concurrent writes into one journal call', async () => {
    const journal = new MemoryJournal();
    const calls: number[] = [];
    const original = journal.write.bind(journal);
    journal.write = async (batch) => {
      calls.push(batch.length);
      return original(batch);
    };
    const writer = new JournalWriter(journal, 'group');
    const ids = await Promise.all(Array.from({ length: 10 }, (_, n) => writer.write(draft(n))));
    expect(ids.map((action) => action.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(calls.length).toBeLessThan(10);
  });

  it('retries a ConcurrencyError from another writer with a fresh highest sequence number', async () => {
    const journal = new MemoryJournal();
    const a = new JournalWriter(journal, 'shared');
    const b = new JournalWriter(journal, 'shared');
    await a.write(draft(1));
    await b.write(draft(2)); // b learns highest 1, writes 2
    const third = await a.write(draft(3)); // a still believes next is 2: conflict, then retry at 3
    expect(third.id).toBe('3');
    expect(await journal.highestSequenceNr('shared')).toBe(3);
  });

  it('gives up with the ConcurrencyError after maxRetries', async () => {
    const journal = new MemoryJournal();
    const other = new JournalWriter(journal, 'busy');
    const writer = new JournalWriter(journal, 'busy', { maxRetries: 0 });
    await writer.write(draft(1));
    await other.write(draft(2));
    await expect(writer.write(draft(3))).rejects.toSatisfy(isConcurrencyError);
  });

  it('rejects only the write whose payload cannot be serialized', async () => {
    const journal = new MemoryJournal();
    const writer = new JournalWriter(journal, 'serialize');
    const results = await Promise.allSettled([
      writer.write(draft(1)),
      writer.write({ type: 'bad', payload: { callback: () => 1 }, timestamp: 1 }),
      writer.write(draft(3)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await journal.highestSequenceNr('serialize')).toBe(2);
  });

  it('validates its arguments with typed errors', async () => {
    const journal = new MemoryJournal();
    expect(() => new JournalWriter({} as MemoryJournal, 'x')).toThrow(expect.objectContaining({ code: ErrorCodes.invalidArgument }));
    expect(() => new JournalWriter(journal, '')).toThrow(expect.objectContaining({ code: ErrorCodes.invalidPersistenceId }));
    const writer = new JournalWriter(journal, 'x');
    expect(() => writer.writeMany([{ type: '', payload: 1, timestamp: 1 }])).toThrow(/drafts\[0\].type/);
    expect(() => writer.writeMany([{ type: 'a', payload: 1, timestamp: 1.5 }])).toThrow(/drafts\[0\].timestamp/);
  });
});

describe('JournalReader', () => {
  it('resumes strictly after an action id, across pages', async () => {
    const journal = new MemoryJournal();
    await new JournalWriter(journal, 'pages').writeMany(Array.from({ length: 12 }, (_, n) => draft(n + 1)));
    const reader = new JournalReader(journal, 'pages', { live: false, pageSize: 5 });
    expect((await readAll(reader, null)).map((action) => action.id)).toEqual(Array.from({ length: 12 }, (_, n) => String(n + 1)));
    expect((await readAll(reader, '7')).map((action) => action.id)).toEqual(['8', '9', '10', '11', '12']);
    expect(await readAll(reader, '12')).toEqual([]);
  });

  it('tails live: delivers new actions, reports catching up, and ends when aborted', async () => {
    const journal = new MemoryJournal();
    const writer = new JournalWriter(journal, 'live');
    // Polls would come only after an hour: what arrives within the test came through the journal's notifications.
    const reader = new JournalReader(journal, 'live', { pollIntervalMs: 3_600_000 });
    const abort = new AbortController();
    let caughtUp = 0;
    const seen: string[] = [];
    const firstSeen = deferred<void>();
    const done = (async () => {
      for await (const action of reader.read(null, { signal: abort.signal, onCaughtUp: () => caughtUp++ })) {
        seen.push(action.id);
        if (seen.length === 1) firstSeen.resolve();
        if (seen.length === 2) abort.abort();
      }
    })();
    await writer.write(draft(1));
    await firstSeen.promise;
    expect(seen).toEqual(['1']);
    // The reader is open and caught up, so action 2 can only reach it live.
    await writer.write(draft(2));
    await done;
    expect(seen).toEqual(['1', '2']);
    expect(caughtUp).toBeGreaterThanOrEqual(1);
  });

  it('tails live until the journal is closed, then fails at once with StoreClosedError', async () => {
    const journal = new MemoryJournal();
    await new JournalWriter(journal, 'closing').write(draft(1));
    // Polls would come only after an hour: only the close can end the wait within the test.
    const reader = new JournalReader(journal, 'closing', { pollIntervalMs: 3_600_000, maxPollIntervalMs: 3_600_000 });
    const caughtUp = deferred<void>();
    const seen: string[] = [];
    const done = (async () => {
      for await (const action of reader.read(null, { signal: new AbortController().signal, onCaughtUp: () => caughtUp.resolve() }))
        seen.push(action.id);
    })();
    await caughtUp.promise;
    await journal.close();
    await expect(done).rejects.toMatchObject({
      code: ErrorCodes.storeClosed,
      message: expect.stringMatching(/closed while a live query waited/),
    });
    expect(seen).toEqual(['1']);
  });

  it('rejects an action id that is not a sequence number', async () => {
    const reader = new JournalReader(new MemoryJournal(), 'ids', { live: false });
    await expect(readAll(reader, 'abc')).rejects.toMatchObject({ code: ErrorCodes.invalidArgument, argument: 'afterId' });
    expect(() => new JournalReader(new MemoryJournal(), 'x', { pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
  });
});
