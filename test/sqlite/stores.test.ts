import { afterAll, describe, expect, it, vi } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { SnapshotMetadata } from '../../src/core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../../src/core/snapshot-selection-criteria.js';
import type { SkippedSnapshot } from '../../src/observability/hooks.js';
import { SqliteDurableStateStore, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import { collect, Database, damageSnapshot, removeTempDirs, tempFile, withDatabase } from './helpers.js';

afterAll(removeTempDirs);

const metadata = (sequenceNr: number, timestamp: number) => new SnapshotMetadata({ persistenceId: 'snap', sequenceNr, timestamp });

describe('SqliteSnapshotStore', () => {
  it('skips damaged snapshots newest-first until one reads, reporting each', async () => {
    const file = tempFile('snapshots');
    const store = new SqliteSnapshotStore(file);
    for (const sequenceNr of [10, 20, 30]) await store.save(metadata(sequenceNr, sequenceNr), { at: sequenceNr });
    await damageSnapshot(file, 'snap', 30);
    await damageSnapshot(file, 'snap', 20);
    const skipped: SkippedSnapshot[] = [];
    const loaded = await store.load('snap', SnapshotSelectionCriteria.Latest, { onSkipped: (skip) => skipped.push(skip) });
    expect(loaded?.snapshot).toEqual({ at: 10 });
    expect(skipped.map((skip) => skip.metadata.sequenceNr)).toEqual([30, 20]);
    expect(skipped.every((skip) => isMementoError(skip.error, ErrorCodes.corruptSnapshot))).toBe(true);
    await damageSnapshot(file, 'snap', 10);
    expect(await store.load('snap', SnapshotSelectionCriteria.Latest)).toBeNull();
    await store.close();
  });

  it('compiles the load statement once per connection, for every store object on it', async () => {
    const db = new Database(tempFile('snapshots'));
    const first = new SqliteSnapshotStore(db);
    await first.save(metadata(1, 1), 'one');
    expect((await first.load('snap', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('one');
    const prepare = vi.spyOn(db, 'prepare');
    const second = new SqliteSnapshotStore(db);
    expect((await second.load('snap', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('one');
    expect(prepare).not.toHaveBeenCalled();
    await first.close();
    await second.close();
    // The connection is gone with its last store: the next one compiles its own.
    const third = new SqliteSnapshotStore(db);
    expect((await third.load('snap', SnapshotSelectionCriteria.Latest))?.snapshot).toBe('one');
    expect(prepare).toHaveBeenCalled();
    await third.close();
    db.close();
  });

  it('lists oldest first in pages, applying every bound', async () => {
    const file = tempFile('snapshots');
    const store = new SqliteSnapshotStore(file, { listPageSize: 2 });
    for (let sequenceNr = 1; sequenceNr <= 9; sequenceNr++) await store.save(metadata(sequenceNr, 100 + (sequenceNr % 3)), sequenceNr);
    const numbers = async (criteria?: SnapshotSelectionCriteria) => (await collect(store.list('snap', criteria))).map((m) => m.sequenceNr);
    expect(await numbers()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await numbers(new SnapshotSelectionCriteria({ minSequenceNr: 3, maxSequenceNr: 7 }))).toEqual([3, 4, 5, 6, 7]);
    expect(await numbers(new SnapshotSelectionCriteria({ minTimestamp: 101, maxTimestamp: 101 }))).toEqual([1, 4, 7]);
    await store.deleteMatching('snap', new SnapshotSelectionCriteria({ maxSequenceNr: 6, minTimestamp: 102 }));
    // Timestamp 102 means sequenceNr % 3 === 2: 2 and 5 are at or below 6; 8 is above.
    expect(await numbers()).toEqual([1, 3, 4, 6, 7, 8, 9]);
    await store.close();
  });

  it('replaces a snapshot saved twice at one sequence number, keeping one row', async () => {
    const file = tempFile('snapshots');
    const store = new SqliteSnapshotStore(file);
    await store.save(new SnapshotMetadata({ persistenceId: 'r', sequenceNr: 5, timestamp: 1, metadata: { v: 1 } }), 'first');
    await store.save(new SnapshotMetadata({ persistenceId: 'r', sequenceNr: 5, timestamp: 2 }), 'second');
    const loaded = await store.load('r', SnapshotSelectionCriteria.Latest);
    expect(loaded?.snapshot).toBe('second');
    expect(loaded?.metadata.toJSON()).toEqual({ persistenceId: 'r', sequenceNr: 5, timestamp: 2 });
    withDatabase(file, (db) =>
      expect(db.prepare("SELECT count(*) AS n FROM snapshots WHERE persistence_id = 'r'").get()).toEqual({ n: 1 }),
    );
    await store.close();
  });
});

describe('SqliteDurableStateStore', () => {
  it('keeps revision, tag and a NULL payload after delete, in one row', async () => {
    const file = tempFile('state');
    const store = new SqliteDurableStateStore(file);
    await store.upsert('d', 1, { n: 1 }, 'counter');
    await store.upsert('d', 2, { n: 2 }, 'counter');
    await store.delete('d', 3);
    expect(await store.get('d')).toEqual({ value: null, revision: 3 });
    withDatabase(file, (db) => {
      const row = db
        .prepare("SELECT revision, payload, tag, typeof(updated_at) AS updated FROM durable_state WHERE persistence_id = 'd'")
        .get();
      expect(row).toEqual({ revision: 3, payload: null, tag: 'counter', updated: 'integer' });
    });
    await expect(store.upsert('d', 3, { n: 3 })).rejects.toMatchObject({ code: ErrorCodes.concurrency, expected: 4, actual: 3 });
    await store.upsert('d', 4, { n: 4 }, 'again');
    expect(await store.get('d')).toEqual({ value: { n: 4 }, revision: 4 });
    await store.close();
  });

  it('lets one of two connections take a revision, the other gets ConcurrencyError', async () => {
    const file = tempFile('state');
    const store = new SqliteDurableStateStore(file);
    await store.upsert('c', 1, 'base');
    // Another process's change, straight into the file.
    withDatabase(file, (db) => db.prepare("UPDATE durable_state SET revision = 2 WHERE persistence_id = 'c'").run());
    await expect(store.upsert('c', 2, 'mine')).rejects.toMatchObject({
      code: ErrorCodes.concurrency,
      expected: 3,
      actual: 2,
      persistenceId: 'c',
    });
    await store.close();
  });
});
