/** JournalReader paces long catch-ups (lets timers run) and reports their progress (issue 17, points 8 and 9). */
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  JournalReader,
  type JournalReaderOptions,
  JournalWriter,
  MemoryJournal,
  type ReplayProgress,
} from '../../src/index.js';

const ACTIONS = 2000;

async function journalWith(actions: number): Promise<MemoryJournal> {
  const journal = new MemoryJournal();
  const writer = new JournalWriter(journal, 'paced');
  await writer.writeMany(Array.from({ length: actions }, (_, n) => ({ type: 'add', payload: { n }, timestamp: n })));
  return journal;
}

/** Reads to the head, stalling 3 ms on action 100 so the clock surely moves; says whether a timer set at the start fired meanwhile. */
async function readToHead(journal: MemoryJournal, options: JournalReaderOptions) {
  const reader = new JournalReader(journal, 'paced', { live: false, ...options });
  let timerFired = false;
  const timer = setTimeout(() => {
    timerFired = true;
  }, 0);
  let read = 0;
  let firedWhileReading = false;
  for await (const action of reader.read(null, { signal: new AbortController().signal })) {
    read++;
    if (action.sequenceNr === 100) {
      const until = performance.now() + 3;
      while (performance.now() < until) {
        // Busy: the reader must see time pass.
      }
    }
    if (timerFired) firedWhileReading = true;
  }
  clearTimeout(timer);
  return { read, firedWhileReading };
}

describe('JournalReader pacing and progress', () => {
  it('lets timers run during a long catch-up, and not with yieldEveryMs: Infinity', async () => {
    const journal = await journalWith(ACTIONS);
    expect(await readToHead(journal, { yieldEveryMs: 1 })).toEqual({ read: ACTIONS, firedWhileReading: true });
    expect(await readToHead(journal, { yieldEveryMs: Number.POSITIVE_INFINITY })).toEqual({ read: ACTIONS, firedWhileReading: false });
  });

  it('reports the first catch-up to onProgress, ending with done and every action', async () => {
    const journal = await journalWith(ACTIONS);
    const reports: ReplayProgress[] = [];
    await readToHead(journal, { progressEveryMs: 1, onProgress: (progress) => reports.push(progress) });
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.at(-1)).toMatchObject({ persistenceId: 'paced', replayed: ACTIONS, total: ACTIONS, done: true });
    expect(reports.filter((progress) => progress.done)).toHaveLength(1);
    for (const progress of reports) expect(progress.total).toBe(ACTIONS);
  });

  it('counts the total from where the read starts', async () => {
    const journal = await journalWith(ACTIONS);
    const reports: ReplayProgress[] = [];
    const reader = new JournalReader(journal, 'paced', { live: false, onProgress: (progress) => reports.push(progress) });
    for await (const _ of reader.read('1500', { signal: new AbortController().signal })) {
      // Read to the head.
    }
    expect(reports).toEqual([expect.objectContaining({ replayed: 500, total: 500, done: true })]);
  });

  it('refuses bad pacing options, naming them', () => {
    const journal = new MemoryJournal();
    expect(() => new JournalReader(journal, 'paced', { yieldEveryMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => new JournalReader(journal, 'paced', { progressEveryMs: 0 })).toThrow(/options\.progressEveryMs/);
    expect(() => new JournalReader(journal, 'paced', { onProgress: 1 as never })).toThrow(/options\.onProgress/);
  });
});
