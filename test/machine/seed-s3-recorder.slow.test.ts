/**
 * The mintBlue tutorial's own S3Recorder and s3Helper (test/machine/fixtures/seed-s3, as the
 * tutorial writes them) with the AWS SDK against a real S3 server (s3rver), driving a
 * Machine, then resuming after a restart. Slow: the tutorial's recorder uploads after 5
 * seconds without a dispatch, and the test waits for those uploads.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JournalReader, JournalWriter, Machine, MemoryJournal, RecoveryError } from '../../src/index.js';
import { S3RVER_CREDENTIALS, type S3TestServer, startS3Server } from '../support/s3-server.js';
import { LedgerState } from './ledger.js';

type SeedHelper = typeof import('./fixtures/seed-s3/s3Helper.js');
type SeedRecorderModule = typeof import('./fixtures/seed-s3/customRecorder.js');
type SeedRecorder = InstanceType<SeedRecorderModule['S3Recorder']>;

const BUCKET = 'mintblue';
const FILE = 'forest.json';

let server: S3TestServer;
let helper: SeedHelper;
let S3Recorder: SeedRecorderModule['S3Recorder'];

beforeAll(async () => {
  server = await startS3Server();
  // The tutorial configures its client from the environment when s3Helper is first imported.
  process.env.AWS_ENDPOINT = server.endpoint;
  process.env.REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  helper = await import('./fixtures/seed-s3/s3Helper.js');
  ({ S3Recorder } = await import('./fixtures/seed-s3/customRecorder.js'));
  await helper.S3CreateBucketIfNotExists(BUCKET);
}, 30_000);

afterAll(async () => {
  helper?.s3.destroy();
  await server?.stop();
});

/**
 * Resolves once the recorder has uploaded the snapshot of action `actionId` (the tutorial
 * calls createSnapshot from its timer; an earlier upload, on a slow machine, is let through).
 */
function uploadOf(recorder: SeedRecorder, actionId: string): Promise<void> {
  const original = recorder.createSnapshot.bind(recorder);
  return new Promise((resolve, reject) => {
    recorder.createSnapshot = async (snapshot) => {
      const uploading = original(snapshot);
      if (snapshot.action.id !== actionId) return uploading;
      recorder.createSnapshot = original;
      uploading.then(resolve, reject);
      return uploading;
    };
  });
}

async function storedObject(): Promise<{ action: { id: string } | null; state: unknown }> {
  const client = server.client();
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: FILE }));
    return JSON.parse((await response.Body?.transformToString()) ?? 'null');
  } finally {
    client.destroy();
  }
}

describe("the tutorial's S3Recorder against s3rver", () => {
  it('on an empty bucket its loadSnapshot exits the process with code 1 (as the tutorial writes it), so start fails', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`process.exit(${code})`);
    }) as typeof process.exit);
    try {
      const journal = new MemoryJournal();
      const machine = new Machine(
        LedgerState,
        new JournalReader(journal, 'forest'),
        new JournalWriter(journal, 'forest'),
        new S3Recorder(FILE, BUCKET),
      );
      await expect(machine.start()).rejects.toBeInstanceOf(RecoveryError);
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('uploads after 5 s without a dispatch, and a restarted machine resumes from the upload without repeating actions', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      // The tutorial's loadSnapshot exits on a missing object: the first run needs one, so
      // the initial state goes up first, through the tutorial's own S3Upload.
      await helper.S3Upload(BUCKET, FILE, new TextEncoder().encode(JSON.stringify({ action: null, state: LedgerState.initialState })));
      const journal = new MemoryJournal();
      const machineWith = (recorder: SeedRecorder) =>
        new Machine(LedgerState, new JournalReader(journal, 'forest'), new JournalWriter(journal, 'forest'), recorder);

      const firstRecorder = new S3Recorder(FILE, BUCKET);
      const firstUpload = uploadOf(firstRecorder, '3');
      const first = machineWith(firstRecorder);
      await first.start();
      for (const amount of [1, 2, 3]) await first.run('add', { amount });
      await firstUpload;
      await first.stop();
      expect(await storedObject()).toMatchObject({ action: { id: '3' }, state: { applied: ['1', '2', '3'], total: 6 } });

      // Another action arrives while no machine runs; the restarted one must apply only it.
      await new JournalWriter(journal, 'forest').write({ type: 'add', payload: { amount: 4 }, timestamp: 4 });
      const secondRecorder = new S3Recorder(FILE, BUCKET);
      const secondUpload = uploadOf(secondRecorder, '5');
      const second = machineWith(secondRecorder);
      await second.start();
      expect(await second.caughtUp()).toEqual({ applied: ['1', '2', '3', '4'], total: 10 });
      expect(await second.run('add', { amount: 5 })).toEqual({ applied: ['1', '2', '3', '4', '5'], total: 15 });
      await secondUpload;
      await second.stop();
      expect(await storedObject()).toMatchObject({ action: { id: '5' }, state: { total: 15 } });
    } finally {
      vi.restoreAllMocks();
    }
  }, 60_000);
});
