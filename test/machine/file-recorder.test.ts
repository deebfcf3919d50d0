import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFileRecorder } from '../../examples/recorders/file-recorder.js';
import { JournalReader, JournalWriter, Machine, MemoryJournal } from '../../src/index.js';
import { type Ledger, LedgerState } from './ledger.js';

describe('the S3-style recorder over StoreRecorder and FileSnapshotStore', () => {
  let directory: string | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('uploads the last snapshot after the quiet period, keeps only it, and resumes from it', async () => {
    directory = await mkdtemp(join(tmpdir(), 'memento-file-recorder-'));
    const journal = new MemoryJournal();
    const machine = () =>
      new Machine(
        LedgerState,
        new JournalReader(journal, 'forest', { live: false }),
        new JournalWriter(journal, 'forest'),
        createFileRecorder<Ledger>({ directory: directory as string, name: 'forest', debounceMs: 5000 }),
      );
    const writer = new JournalWriter(journal, 'forest');
    await writer.writeMany([1, 2, 3, 4].map((amount) => ({ type: 'add', payload: { amount }, timestamp: 1000 + amount })));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = machine();
    await first.start();
    await first.caughtUp();
    const recorder = first.recorder;
    expect(await recorder.getSnapshots?.()).toEqual([]);
    await vi.advanceTimersByTimeAsync(5000);
    vi.useRealTimers();
    await (recorder as { flush(): Promise<void> }).flush();
    expect((await recorder.getSnapshots?.())?.map((snapshot) => snapshot.action?.id)).toEqual(['4']);
    await writer.write({ type: 'add', payload: { amount: 5 }, timestamp: 2000 });
    await first.stop();

    const second = machine();
    await second.start();
    await second.caughtUp();
    expect(second.state).toEqual({ applied: ['1', '2', '3', '4', '5'], total: 15 });
    await second.stop();
    // stop() flushed the newest state; keep: 1 left only it.
    expect((await second.recorder.getSnapshots?.())?.map((snapshot) => snapshot.action?.id)).toEqual(['5']);
  });
});
