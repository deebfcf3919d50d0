/** The tutorial-style S3 recorder (examples/recorders/s3-recorder.ts) against the real S3-protocol server. */
import { describe, expect, it } from 'vitest';
import { createS3Recorder } from '../../examples/recorders/s3-recorder.js';
import { JournalReader, JournalWriter, Machine, MemoryJournal } from '../../src/index.js';
import { type Ledger, LedgerState } from '../machine/ledger.js';
import { useS3Bucket } from '../support/s3-server.js';

const bucket = 'memento-recorder';
const s3 = useS3Bucket(bucket);

describe('the S3 recorder over StoreRecorder and S3SnapshotStore', () => {
  it('uploads the last state on stop, keeps only it, and resumes after it on start', async () => {
    const journal = new MemoryJournal();
    const name = `forest-${Date.now()}`;
    const writer = new JournalWriter(journal, name);
    const start = async () => {
      const { recorder, store } = createS3Recorder<Ledger>({
        store: { client: s3.client, bucket, prefix: 'recorders/' },
        name,
        debounceMs: 60_000,
      });
      const machine = new Machine(
        LedgerState,
        new JournalReader(journal, name, { live: false }),
        new JournalWriter(journal, name),
        recorder,
      );
      await machine.start();
      await machine.caughtUp();
      return { machine, recorder, store };
    };
    await writer.writeMany([1, 2, 3].map((amount) => ({ type: 'add', payload: { amount }, timestamp: 1000 + amount })));
    const first = await start();
    await first.machine.stop(); // the debounce has not fired: stop must upload anyway
    expect((await first.recorder.getSnapshots()).map((snapshot) => snapshot.action?.id)).toEqual(['3']);
    await first.store.close();

    await writer.writeMany([4, 5].map((amount) => ({ type: 'add', payload: { amount }, timestamp: 2000 + amount })));
    const second = await start();
    expect(second.machine.state).toEqual({ applied: ['1', '2', '3', '4', '5'], total: 15 });
    await second.machine.stop();
    expect((await second.recorder.getSnapshots()).map((snapshot) => snapshot.action?.id)).toEqual(['5']);
    await second.store.close();
  });
});
