/**
 * What the snapshot store tests share: the seed in a SQLite journal with snapshots in
 * another store, a recorder file, and a snapshot the replay does not give.
 */
import { join } from 'node:path';
import type { FileSnapshotStore } from '../../src/fs/index.js';
import { SnapshotMetadata, wrapSnapshotMetadata } from '../../src/index.js';
import type { S3SnapshotStore } from '../../src/s3/index.js';
import { SqliteJournal } from '../../src/sqlite/index.js';
import { accountAfter, seed, timeOf } from '../inspect/seed.js';
import { tempDir } from './harness.js';

/** The seed tutorial's recorder file for the `ledger` machine after 6 actions (its ids are not sequence numbers). */
export const recorderJson = (id: string) =>
  JSON.stringify({ action: { id, type: 'add', payload: { amount: 6 }, timestamp: timeOf(6) }, state: { total: 21, entries: 6 } }, null, 2);

/** A SQLite journal with the seed's events; snapshots go to `snapshotStore`. */
export async function seedWith(snapshotStore: FileSnapshotStore | S3SnapshotStore): Promise<string> {
  const file = join(tempDir('journal'), 'journal.db');
  const journal = new SqliteJournal(file);
  await seed({ journal, snapshotStore });
  await journal.close();
  return file;
}

/** Saves a snapshot of account|1 at 10 that the replay does not give. */
export const saveWrongSnapshot = (store: FileSnapshotStore | S3SnapshotStore) =>
  store.save(
    new SnapshotMetadata({
      persistenceId: 'account|1',
      sequenceNr: 10,
      timestamp: timeOf(10),
      metadata: wrapSnapshotMetadata(1, undefined),
    }),
    {
      ...accountAfter(10),
      balance: 549,
    },
  );
