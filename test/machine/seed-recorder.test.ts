import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Bucket, SeedStyleRecorder } from '../../examples/recorders/seed-style-recorder.js';
import { JournalReader, JournalWriter, Machine, MemoryJournal } from '../../src/index.js';
import { LedgerState } from './ledger.js';

class MemoryBucket implements Bucket {
  readonly objects = new Map<string, Uint8Array>();
  async upload(key: string, body: Uint8Array): Promise<void> {
    this.objects.set(key, body);
  }
  async download(key: string): Promise<Uint8Array | null> {
    return this.objects.get(key) ?? null;
  }
}

describe('a hand-written, seed-style recorder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plugs into a Machine unchanged: debounced upload, then resume from it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const journal = new MemoryJournal();
    const bucket = new MemoryBucket();
    const machine = () =>
      new Machine(
        LedgerState,
        new JournalReader(journal, 'seed', { live: false }),
        new JournalWriter(journal, 'seed'),
        new SeedStyleRecorder(bucket, 'forest.json'),
      );
    // Write through a live-free first machine: append, then read to the head.
    const writer = new JournalWriter(journal, 'seed');
    await writer.writeMany([1, 2, 3].map((amount) => ({ type: 'add', payload: { amount }, timestamp: 1000 + amount })));
    const first = machine();
    await first.start();
    await first.caughtUp();
    expect(first.state.total).toBe(6);
    expect(bucket.objects.size).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(JSON.parse(new TextDecoder().decode(bucket.objects.get('forest.json')))).toMatchObject({
      action: { id: '3' },
      state: { total: 6 },
    });
    await first.stop();

    await writer.write({ type: 'add', payload: { amount: 10 }, timestamp: 2000 });
    const second = machine();
    await second.start();
    await second.caughtUp();
    // Loaded {total: 6} after action 3, then replayed only action 4.
    expect(second.state).toEqual({ applied: ['1', '2', '3', '4'], total: 16 });
    await second.stop();
  });
});
