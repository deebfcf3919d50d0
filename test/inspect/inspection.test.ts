import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotMetadata, wrapSnapshotMetadata } from '../../src/index.js';
import { createInspection, type Inspection, ObservedSerialization } from '../../src/inspect/index.js';
import { SqliteDurableStateStore, SqliteJournal, SqliteSnapshotStore } from '../../src/sqlite/index.js';
import * as definitions from './definitions.js';
import { accountAfter, seed, seededIdSummaries, timeOf } from './seed.js';

const opened: Inspection[] = [];
afterEach(async () => {
  for (const inspection of opened.splice(0)) await inspection.close();
});

async function seeded() {
  const file = join(mkdtempSync(join(tmpdir(), 'memento-inspect-')), 'store.db');
  const serialization = new ObservedSerialization();
  const journal = new SqliteJournal(file);
  const snapshotStore = new SqliteSnapshotStore(file, { serialization });
  const durableStateStore = new SqliteDurableStateStore(file);
  await seed({ journal, snapshotStore, durableStateStore });
  const inspection = createInspection({ journal, snapshotStore, durableStateStore, definitions, serialization, closeStores: true });
  opened.push(inspection);
  return { file, inspection, journal, snapshotStore };
}

describe('createInspection over SQLite', () => {
  it('lists ids with counts, by page and by prefix, durable state ids among them', async () => {
    const { inspection, journal } = await seeded();
    await journal.deleteTo('account|2', 1);
    const all = await inspection.ids();
    expect(all.map((summary) => summary.persistenceId)).toEqual(['account|1', 'account|2', 'ledger', 'profile|1']);
    expect(all[0]).toEqual(seededIdSummaries[0]);
    expect(all[3]).toEqual(seededIdSummaries[3]);
    const paged = [];
    for (let after: string | undefined, page = await inspection.ids({ limit: 1 }); page.length > 0; ) {
      paged.push(...page);
      after = page[0]?.persistenceId;
      page = await inspection.ids({ limit: 1, after });
    }
    expect(paged.map((summary) => summary.persistenceId)).toEqual(all.map((summary) => summary.persistenceId));
    expect(all[1]).toMatchObject({ persistenceId: 'account|2', highestSequenceNr: 3, eventCount: 2, snapshotCount: 0 });
    const first = await inspection.ids({ limit: 1 });
    const second = await inspection.ids({ limit: 1, after: first[0]?.persistenceId });
    expect([...first, ...second].map((summary) => summary.persistenceId)).toEqual(['account|1', 'account|2']);
    expect((await inspection.ids({ prefix: 'account|' })).map((summary) => summary.persistenceId)).toEqual(['account|1', 'account|2']);
    expect((await inspection.ids({ prefix: 'led' })).map((summary) => summary.persistenceId)).toEqual(['ledger']);
    expect(await inspection.ids({ prefix: 'nobody' })).toEqual([]);
  });

  it('shows events with tags, writer and metadata, within bounds', async () => {
    const { inspection } = await seeded();
    const events = await inspection.events('account|1', { from: 2, to: 4 });
    expect(events.map((event) => event.sequenceNr)).toEqual([2, 3, 4]);
    expect(events[0]).toEqual({
      persistenceId: 'account|1',
      sequenceNr: 2,
      timestamp: timeOf(2),
      event: { type: 'deposited', amount: 20 },
      tags: ['money'],
      writerId: 'writer-a',
      metadata: { by: 'seed' },
    });
    expect(await inspection.events('account|1', { limit: 2 })).toHaveLength(2);
  });

  it('follows new events live until aborted', async () => {
    const { inspection, journal } = await seeded();
    const controller = new AbortController();
    const seen: number[] = [];
    const following = (async () => {
      for await (const event of inspection.follow('account|2', { from: 3, signal: controller.signal })) {
        seen.push(event.sequenceNr);
        if (event.sequenceNr === 3)
          await journal.write([
            {
              persistenceId: 'account|2',
              events: [{ persistenceId: 'account|2', sequenceNr: 4, timestamp: 1, event: { type: 'deposited', amount: 5 } }],
            },
          ]);
        if (event.sequenceNr === 4) controller.abort();
      }
    })();
    await following;
    expect(seen).toEqual([3, 4]);
  });

  it('lists snapshots with version, metadata, size and serializer, and names a damaged one', async () => {
    const { inspection, file } = await seeded();
    const db = new Database(file);
    db.prepare("UPDATE snapshots SET payload = X'4d450101' WHERE persistence_id = 'account|1' AND sequence_nr = 5").run();
    db.close();
    const snapshots = await inspection.snapshots('account|1');
    expect(snapshots).toHaveLength(2);
    expect(snapshots[0]).toMatchObject({ sequenceNr: 5, readable: false, size: 4, problem: { code: 'MEMENTO_CORRUPT_SNAPSHOT' } });
    expect(snapshots[0]?.problem?.message).toContain('snapshot 5 of "account|1"');
    expect(snapshots[1]).toMatchObject({
      sequenceNr: 10,
      readable: true,
      version: 1,
      serializer: 'json',
      metadata: { note: 'every 5 (10)' },
      timestamp: timeOf(10),
    });
    expect(snapshots[1]?.size).toBeGreaterThan(20);
    expect(await inspection.snapshots('account|2')).toEqual([]);
  });

  it('rebuilds entity, machine and durable states from the nearest usable snapshot', async () => {
    const { inspection } = await seeded();
    const at7 = await inspection.stateAt('account|1', { sequenceNr: 7 });
    expect(at7).toMatchObject({ state: accountAfter(7), snapshotSequenceNr: 5, replayed: 2, definition: 'account', sequenceNr: 7 });
    const byTime = await inspection.stateAt('account|1', { timestamp: timeOf(3) });
    expect(byTime).toMatchObject({ state: accountAfter(3), sequenceNr: 3, snapshotSequenceNr: null });
    expect((await inspection.stateAt('ledger', { sequenceNr: 6 })).state).toEqual({ total: 21, entries: 6 });
    expect((await inspection.stateAt('ledger', { sequenceNr: 6 })).snapshotSequenceNr).toBe(3);
    expect((await inspection.stateAt('profile|1', { sequenceNr: 2 })).state).toEqual({ name: 'Ada Lovelace' });
    await expect(inspection.stateAt('profile|1', { sequenceNr: 1 })).rejects.toThrow(/keeps only its latest revision, 2/);
    await expect(inspection.stateAt('nobody|1', { sequenceNr: 0 })).rejects.toThrow(/no definition named "nobody" for "nobody\|1"/);
    await expect(inspection.stateAt('account|1', { sequenceNr: 11 })).rejects.toThrow(/at most the highest sequence number 10/);
  });

  it('passes over snapshots of a version the definition cannot read, and says so', async () => {
    const { inspection, snapshotStore } = await seeded();
    await snapshotStore.save(
      new SnapshotMetadata({
        persistenceId: 'account|1',
        sequenceNr: 8,
        timestamp: timeOf(8),
        metadata: wrapSnapshotMetadata(7, undefined),
      }),
      { old: true },
    );
    const at9 = await inspection.stateAt('account|1', { sequenceNr: 9 });
    expect(at9).toMatchObject({ state: accountAfter(9), snapshotSequenceNr: 5, replayed: 4 });
    expect(at9.skippedSnapshots).toEqual([{ sequenceNr: 8, reason: 'version', message: expect.stringContaining('snapshot version 7') }]);
  });

  it('diffs two points', async () => {
    const { inspection } = await seeded();
    const { differences } = await inspection.diff('account|2', { sequenceNr: 2 }, { sequenceNr: 3 });
    expect(differences).toEqual([{ type: 'CREATE', path: ['owner'], value: 'Ada' }]);
  });

  it('verify passes a clean store and reports wrong and damaged snapshots with paths', async () => {
    const { inspection, snapshotStore, file } = await seeded();
    const clean = await inspection.verify('all');
    expect(clean).toMatchObject({ ok: true, idsChecked: 3, snapshotsChecked: 3, problems: [] });
    await snapshotStore.save(
      new SnapshotMetadata({
        persistenceId: 'account|1',
        sequenceNr: 10,
        timestamp: timeOf(10),
        metadata: wrapSnapshotMetadata(1, undefined),
      }),
      { ...accountAfter(10), balance: 1 },
    );
    const db = new Database(file);
    db.prepare("UPDATE snapshots SET payload = X'00' WHERE persistence_id = 'ledger' AND sequence_nr = 3").run();
    db.close();
    const report = await inspection.verify(['account|1', 'ledger']);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        persistenceId: 'account|1',
        sequenceNr: 10,
        kind: 'mismatch',
        differences: [{ type: 'CHANGE', path: ['balance'], oldValue: 1, value: 550 }],
      }),
      expect.objectContaining({ persistenceId: 'ledger', sequenceNr: 3, kind: 'damaged' }),
    ]);
    expect(report.problems[0]?.message).toMatch(/snapshot 10 of "account\|1" differs from the replay of events 1 to 10 at balance/);
    const sampled = await inspection.verify(['account|1'], { sample: 1 });
    expect(sampled.snapshotsChecked).toBe(1);
    expect(sampled.problems.map((problem) => problem.sequenceNr)).toEqual([10]);
  });

  it('verify takes the first snapshot after deleted events as a baseline', async () => {
    const { inspection, journal } = await seeded();
    await journal.deleteTo('account|1', 5);
    const report = await inspection.verify(['account|1']);
    expect(report).toMatchObject({ ok: true, snapshotsChecked: 1, unverified: [{ persistenceId: 'account|1', sequenceNr: 5 }] });
  });

  it('stops a long rebuild when its signal aborts, and rebuilds in full with a signal that does not', async () => {
    const { inspection, journal } = await seeded();
    const deposits = Array.from({ length: 2500 }, (_, index) => ({
      persistenceId: 'account|3',
      sequenceNr: index + 1,
      timestamp: timeOf(index + 1),
      event: { type: 'deposited', amount: 10 * (index + 1) },
    }));
    const [failed] = await journal.write([{ persistenceId: 'account|3', events: deposits }]);
    expect(failed).toBeUndefined();
    const whole = await inspection.stateAt('account|3', { sequenceNr: 2500 }, { signal: new AbortController().signal });
    expect({ state: whole.state, replayed: whole.replayed }).toEqual({ state: accountAfter(2500), replayed: 2500 });
    const controller = new AbortController();
    // Runs at the first turn the replay takes (after 1000 events), before it reads on.
    setImmediate(() => controller.abort());
    await expect(inspection.stateAt('account|3', { sequenceNr: 2500 }, { signal: controller.signal })).rejects.toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
    await expect(inspection.stateAt('account|3', { sequenceNr: 5 }, { signal: controller.signal })).rejects.toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
  });

  it('verify stops when aborted and says it was interrupted', async () => {
    const { inspection } = await seeded();
    const controller = new AbortController();
    controller.abort();
    const report = await inspection.verify('all', { signal: controller.signal });
    expect(report).toMatchObject({ ok: false, interrupted: true });
  });

  it('deletes one snapshot, and refuses one that does not exist', async () => {
    const { inspection } = await seeded();
    await inspection.deleteSnapshot('account|1', 5);
    expect((await inspection.snapshots('account|1')).map((snapshot) => snapshot.sequenceNr)).toEqual([10]);
    await expect(inspection.deleteSnapshot('account|1', 6)).rejects.toThrow('"account|1" has no snapshot 6; its snapshots: 10');
  });
});
