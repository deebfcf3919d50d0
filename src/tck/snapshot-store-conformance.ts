/**
 * The snapshot store conformance suite: Akka Persistence's snapshot TCK plus min bounds,
 * fallback past damaged snapshots, concurrent saves, list order, hostile ids, large states.
 * @module
 */
import { describe, expect } from 'vitest';
import { ErrorCodes, isMementoError } from '../core/errors.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import type { SkippedSnapshot } from '../observability/hooks.js';
import { snapshotCapabilities } from '../spi/capabilities.js';
import type { ListableSnapshotStore, SnapshotStore } from '../spi/snapshot-store.js';
import {
  type ConformanceOptions,
  collect,
  expectClosedStoreReleasesItsHandles,
  expectMementoError,
  freshStorePerTest,
  hostileIds,
  invalidIds,
  largeString,
  missingMethods,
  type Observed,
  type StoreFactory,
  shown,
  uniqueId,
  unserializableValue,
} from './support.js';

/** Options of {@link snapshotStoreConformance}. */
export interface SnapshotStoreConformanceOptions<S extends SnapshotStore = SnapshotStore> extends ConformanceOptions<S> {
  /**
   * Damages the stored bytes of one snapshot, as a disk or network fault would. When given,
   * the kit checks that `load` skips damaged snapshots for older ones.
   */
  readonly damageSnapshot?: (store: S, persistenceId: string, sequenceNr: number) => Promise<void>;
  /** Size of the large-snapshot test. @default 10 MiB */
  readonly largePayloadBytes?: number;
}

const TIME = 1_700_000_000_000;
/** Timestamp of the fixture snapshot at `sequenceNr`: one second apart, increasing. */
const at = (sequenceNr: number) => TIME + sequenceNr * 1_000;

/**
 * Registers the snapshot store conformance suite with vitest. `factory` builds a fresh
 * store per test; the kit closes it afterwards.
 */
export function snapshotStoreConformance<S extends SnapshotStore>(
  name: string,
  factory: StoreFactory<S>,
  options: SnapshotStoreConformanceOptions<S> = {},
): void {
  describe(`${name}: snapshot store conformance`, () => {
    let store: S;
    let pid: string;
    let observed: Observed;

    const test = freshStorePerTest(factory, options, 'snapshot', (...fresh) => {
      [store, observed, pid] = fresh;
    });
    const metadata = (sequenceNr: number, id = pid) => new SnapshotMetadata({ persistenceId: id, sequenceNr, timestamp: at(sequenceNr) });
    /** Snapshots at 11-15, as in the Akka TCK. */
    const writeFixture = async (id = pid) => {
      for (let nr = 11; nr <= 15; nr++) await store.save(metadata(nr, id), `s-${nr}`);
    };
    const load = async (criteria: SnapshotSelectionCriteria, id = pid) => {
      const selected = await store.load(id, criteria);
      return selected === null
        ? null
        : { sequenceNr: selected.metadata.sequenceNr, timestamp: selected.metadata.timestamp, snapshot: selected.snapshot };
    };
    const expectSnapshot = (found: Awaited<ReturnType<typeof load>>, sequenceNr: number) =>
      expect(found).toEqual({ sequenceNr, timestamp: at(sequenceNr), snapshot: `s-${sequenceNr}` });
    const listed = async (criteria?: SnapshotSelectionCriteria, id = pid) =>
      (await collect(store.list(id, criteria))).map((m) => m.sequenceNr);

    test('listing: ids with snapshots, in order and by page; an id whose snapshots are deleted is gone', async (context) => {
      if (!snapshotCapabilities(store).listing) return context.skip('the store declares no listing capability');
      expect(missingMethods(store, ['listPersistenceIds']), 'capabilities.listing').toEqual([]);
      const listable = store as unknown as ListableSnapshotStore;
      // A long id and one with characters that are escaped in keys and file names.
      const ids = [`${pid}-b`, `${pid}-a/ü`, `${pid}-c${'x'.repeat(190)}`];
      for (const id of ids) await store.save(metadata(1, id), 'one');
      await store.save(metadata(2, `${pid}-a/ü`), 'two');
      const mine = (page: string[]) => page.filter((id) => id.startsWith(`${pid}-`));
      const sorted = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(mine(await listable.listPersistenceIds(pid, 1000))).toEqual(sorted);
      expect(await listable.listPersistenceIds(sorted[0], 1)).toEqual([sorted[1]]);
      await store.deleteMatching(`${pid}-b`, SnapshotSelectionCriteria.Latest);
      expect(mine(await listable.listPersistenceIds(pid, 1000))).toEqual(sorted.filter((id) => id !== `${pid}-b`));
      await expect(listable.listPersistenceIds(undefined, 0)).rejects.toSatisfy((error) =>
        isMementoError(error, ErrorCodes.invalidArgument),
      );
    });
    test('loads nothing for an unknown persistence id', async () => {
      await writeFixture();
      expect(await load(SnapshotSelectionCriteria.Latest, uniqueId('unknown'))).toBeNull();
    });
    test('loads nothing when no snapshot matches the timestamp criteria', async () => {
      await writeFixture();
      expect(await load(new SnapshotSelectionCriteria({ maxTimestamp: at(11) - 1 }))).toBeNull();
    });
    test('loads nothing when no snapshot matches the sequence criteria', async () => {
      await writeFixture();
      expect(await load(new SnapshotSelectionCriteria({ maxSequenceNr: 10 }))).toBeNull();
    });
    test('loads, lists and deletes nothing with a negative maxSequenceNr (Akka: lastSequenceNr - 200 on a young actor)', async () => {
      await writeFixture();
      const negative = new SnapshotSelectionCriteria({ maxSequenceNr: 15 - 200 });
      expect(await load(negative)).toBeNull();
      expect(await listed(negative)).toEqual([]);
      await store.deleteMatching(pid, negative);
      await store.deleteMatching(pid, new SnapshotSelectionCriteria({ maxTimestamp: -1 }));
      expect(await listed()).toEqual([11, 12, 13, 14, 15]);
    });
    test('loads nothing with criteria None', async () => {
      await writeFixture();
      expect(await load(SnapshotSelectionCriteria.None)).toBeNull();
    });
    test('loads the most recent snapshot', async () => {
      await writeFixture();
      expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 15);
    });
    test('loads the most recent snapshot under an upper sequence bound', async () => {
      await writeFixture();
      expectSnapshot(await load(new SnapshotSelectionCriteria({ maxSequenceNr: 13 })), 13);
    });
    test('loads the most recent snapshot under upper sequence and timestamp bounds', async () => {
      await writeFixture();
      expectSnapshot(await load(new SnapshotSelectionCriteria({ maxSequenceNr: 13, maxTimestamp: at(12) })), 12);
      expectSnapshot(await load(new SnapshotSelectionCriteria({ maxTimestamp: at(12) })), 12);
    });
    test('honours lower sequence and timestamp bounds', async () => {
      await writeFixture();
      expectSnapshot(await load(new SnapshotSelectionCriteria({ minSequenceNr: 12, maxSequenceNr: 13 })), 13);
      expect(await load(new SnapshotSelectionCriteria({ minSequenceNr: 16 }))).toBeNull();
      expect(await load(new SnapshotSelectionCriteria({ minTimestamp: at(15) + 1 }))).toBeNull();
      expectSnapshot(await load(new SnapshotSelectionCriteria({ minTimestamp: at(14), maxTimestamp: at(14) })), 14);
      expect(await listed(new SnapshotSelectionCriteria({ minSequenceNr: 12, maxSequenceNr: 14 }))).toEqual([12, 13, 14]);
    });
    test('deletes a single snapshot by sequence number', async () => {
      await writeFixture();
      await store.delete(metadata(13));
      expectSnapshot(await load(new SnapshotSelectionCriteria({ maxSequenceNr: 13 })), 12);
      expect(await listed()).toEqual([11, 12, 14, 15]);
    });
    test('deletes a snapshot whatever timestamp the metadata carries', async () => {
      await writeFixture();
      await store.delete(metadata(13).copy({ timestamp: 0 }));
      expect(await listed()).toEqual([11, 12, 14, 15]);
    });
    test('deletes all snapshots matching upper sequence and timestamp bounds', async () => {
      await writeFixture();
      await store.deleteMatching(pid, new SnapshotSelectionCriteria({ maxSequenceNr: 13, maxTimestamp: at(13) }));
      expect(await load(new SnapshotSelectionCriteria({ maxSequenceNr: 13 }))).toBeNull();
      expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 15);
      expect(await listed()).toEqual([14, 15]);
    });
    test('keeps snapshots outside the timestamp bound when deleting by criteria', async () => {
      await writeFixture();
      await store.deleteMatching(pid, new SnapshotSelectionCriteria({ maxSequenceNr: 15, maxTimestamp: at(12) }));
      expect(await listed()).toEqual([13, 14, 15]);
    });
    test('keeps snapshots below the lower bounds when deleting by criteria', async () => {
      await writeFixture();
      await store.deleteMatching(pid, new SnapshotSelectionCriteria({ minSequenceNr: 13, minTimestamp: at(14) }));
      expect(await listed()).toEqual([11, 12, 13]);
    });
    test('deleting what does not exist is a no-op', async () => {
      await writeFixture();
      await store.delete(metadata(99));
      await store.deleteMatching(uniqueId('unknown'), SnapshotSelectionCriteria.Latest);
      await store.deleteMatching(pid, SnapshotSelectionCriteria.None);
      expect(await listed()).toEqual([11, 12, 13, 14, 15]);
    });
    test('replaces a snapshot saved again at the same sequence number', async () => {
      await writeFixture();
      await store.save(new SnapshotMetadata({ persistenceId: pid, sequenceNr: 15, timestamp: at(15) + 5 }), 'replaced');
      const selected = await store.load(pid, SnapshotSelectionCriteria.Latest);
      expect(selected?.snapshot).toBe('replaced');
      expect(selected?.metadata.timestamp).toBe(at(15) + 5);
      expect(await listed()).toEqual([11, 12, 13, 14, 15]);
    });
    test('replaces the user metadata too when saved again at the same sequence number', async () => {
      await store.save(metadata(5).withMetadata({ schema: 'v1' }), 'first');
      await store.save(metadata(5), 'second');
      const plain = await store.load(pid, SnapshotSelectionCriteria.Latest);
      expect([plain?.snapshot, plain?.metadata.metadata], 'snapshot and user metadata after saving again without metadata').toEqual([
        'second',
        undefined,
      ]);
      await store.save(metadata(5).withMetadata({ schema: 'v2' }), 'third');
      const tagged = await store.load(pid, SnapshotSelectionCriteria.Latest);
      expect([tagged?.snapshot, tagged?.metadata.metadata], 'snapshot and user metadata after saving again with new metadata').toEqual([
        'third',
        { schema: 'v2' },
      ]);
    });
    test('round-trips a large snapshot', async () => {
      const big = { blob: largeString(options.largePayloadBytes ?? 10 * 1024 * 1024), shape: { nested: [1, 2, 3] } };
      await store.save(metadata(1), big);
      const selected = await store.load(pid, SnapshotSelectionCriteria.Latest);
      expect(selected?.snapshot).toEqual(big);
    });
    test('round-trips structured state and user metadata', async () => {
      const state = { counter: 42, items: ['a', 'b'], nested: { unicode: 'žluťoučký kůň 🐎', flag: false, nothing: null } };
      await store.save(metadata(7).withMetadata({ schema: 'v3', tags: ['x'] }), state);
      const selected = await store.load(pid, SnapshotSelectionCriteria.Latest);
      expect(selected?.snapshot).toEqual(state);
      expect(selected?.metadata).toBeInstanceOf(SnapshotMetadata);
      expect(selected?.metadata.persistenceId).toBe(pid);
      expect(selected?.metadata.metadata).toEqual({ schema: 'v3', tags: ['x'] });
    });
    test('lists snapshots oldest first', async () => {
      for (const nr of [14, 3, 200, 11, 1_000_000]) await store.save(metadata(nr), `s-${nr}`);
      expect(await listed()).toEqual([3, 11, 14, 200, 1_000_000]);
      expect(await listed(new SnapshotSelectionCriteria({ maxSequenceNr: 14 }))).toEqual([3, 11, 14]);
      expect(await listed(SnapshotSelectionCriteria.Latest, uniqueId('unknown'))).toEqual([]);
      const [first] = await collect(store.list(pid));
      expect(first?.timestamp).toBe(at(3));
    });
    test('orders by sequence number, not by digits', async () => {
      for (const nr of [9, 10, 99, 100, 1_000]) await store.save(metadata(nr), `s-${nr}`);
      expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 1_000);
      expectSnapshot(await load(new SnapshotSelectionCriteria({ maxSequenceNr: 99 })), 99);
    });
    test('stores concurrent saves of different sequence numbers', async () => {
      const nrs = Array.from({ length: 20 }, (_, index) => index + 1);
      await Promise.all(nrs.map((nr) => store.save(metadata(nr), `s-${nr}`)));
      expect(await listed()).toEqual(nrs);
      expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 20);
    });
    test('keeps exactly one readable snapshot after concurrent saves of one sequence number', async () => {
      const values = Array.from({ length: 8 }, (_, index) => `writer-${index}`);
      await Promise.all(values.map((value) => store.save(metadata(5), value)));
      expect(await listed()).toEqual([5]);
      const selected = await store.load(pid, SnapshotSelectionCriteria.Latest);
      expect(values).toContain(selected?.snapshot);
    });
    test('rejects an unserializable snapshot and keeps the older ones', async () => {
      await writeFixture();
      await expect(store.save(metadata(16), unserializableValue())).rejects.toSatisfy((error) =>
        isMementoError(error, ErrorCodes.serialization),
      );
      expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 15);
      expect(await listed()).toEqual([11, 12, 13, 14, 15]);
    });
    test('refuses a snapshot over options.maxBytes with SnapshotTooLargeError, storing nothing and keeping older ones', async () => {
      await writeFixture();
      const error = await store.save(metadata(16), largeString(4096), { maxBytes: 1024 }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isMementoError(error, ErrorCodes.snapshotTooLarge)).toBe(true);
      expect(error).toMatchObject({ persistenceId: pid, limit: 1024 });
      expect((error as { size: number }).size).toBeGreaterThan(4096);
      expect(await listed()).toEqual([11, 12, 13, 14, 15]);
      expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 15);
      await store.save(metadata(16), 's-16', { maxBytes: 1024 });
      expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 16);
    });
    const damageTests = [
      'skips a damaged snapshot in favour of the next older one and reports it',
      'loads nothing, reporting each, when every matching snapshot is damaged',
      'reports a skipped snapshot to the logger and hooks.onSnapshotSkipped',
    ];
    if (!options.damageSnapshot) {
      for (const title of damageTests) test.unavailable(title, 'no damageSnapshot option: the kit cannot damage a stored snapshot');
    } else {
      const damage = options.damageSnapshot;
      test('skips a damaged snapshot in favour of the next older one and reports it', async () => {
        await writeFixture();
        await damage(store, pid, 15);
        const skipped: SkippedSnapshot[] = [];
        const selected = await store.load(pid, SnapshotSelectionCriteria.Latest, { onSkipped: (entry) => skipped.push(entry) });
        expect(selected?.metadata.sequenceNr).toBe(14);
        expect(selected?.snapshot).toBe('s-14');
        expect(skipped.map((entry) => entry.metadata.sequenceNr)).toEqual([15]);
        expectMementoError(skipped[0]?.error, ErrorCodes.corruptSnapshot, 'skipped[0]?.error');
        expect(skipped[0]?.error.message).toContain(pid);
      });
      test('loads nothing, reporting each, when every matching snapshot is damaged', async () => {
        await writeFixture();
        for (const nr of [12, 13]) await damage(store, pid, nr);
        const skipped: number[] = [];
        const criteria = new SnapshotSelectionCriteria({ minSequenceNr: 12, maxSequenceNr: 13 });
        expect(await store.load(pid, criteria, { onSkipped: (entry) => skipped.push(entry.metadata.sequenceNr) })).toBeNull();
        expect(skipped).toEqual([13, 12]);
        expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 15);
      });
      test('reports a skipped snapshot to the logger and hooks.onSnapshotSkipped', async () => {
        await writeFixture();
        await damage(store, pid, 15);
        expectSnapshot(await load(SnapshotSelectionCriteria.Latest), 14);
        expect(
          observed.skipped.map((entry) => [entry.metadata.persistenceId, entry.metadata.sequenceNr, typeof entry.store]),
          'hooks.onSnapshotSkipped calls',
        ).toEqual([[pid, 15, 'string']]);
        expectMementoError(observed.skipped[0]?.error, ErrorCodes.corruptSnapshot, 'the error handed to hooks.onSnapshotSkipped');
        const warnings = observed.logged.filter((entry) => entry.level === 'warn' || entry.level === 'error');
        expect(warnings.length, `logger warnings about the skipped snapshot (logged: ${JSON.stringify(observed.logged)})`).toBeGreaterThan(
          0,
        );
      });
    }
    test('keeps hostile persistence ids apart', async () => {
      const ids = hostileIds();
      for (const id of ids) await store.save(metadata(1, id), `for ${id}`);
      for (const id of ids) {
        const selected = await store.load(id, SnapshotSelectionCriteria.Latest);
        expect([selected?.metadata.persistenceId, selected?.snapshot]).toEqual([id, `for ${id}`]);
        expect(await listed(undefined, id)).toEqual([1]);
      }
      await store.deleteMatching(ids[0] as string, SnapshotSelectionCriteria.Latest);
      expect(await listed(undefined, ids[0])).toEqual([]);
      for (const id of ids.slice(1)) expect(await listed(undefined, id)).toEqual([1]);
    });
    test('rejects invalid persistence ids with InvalidPersistenceIdError and stores nothing', async () => {
      const isInvalidId = (error: unknown) => isMementoError(error, ErrorCodes.invalidPersistenceId);
      for (const bad of invalidIds) {
        await expect(store.save({ persistenceId: bad, sequenceNr: 1, timestamp: TIME } as SnapshotMetadata, 'x')).rejects.toSatisfy(
          isInvalidId,
        );
        await expect(store.load(bad as string, SnapshotSelectionCriteria.Latest)).rejects.toSatisfy(isInvalidId);
        await expect(store.deleteMatching(bad as string, SnapshotSelectionCriteria.Latest)).rejects.toSatisfy(isInvalidId);
        await expect(collect(store.list(bad as string))).rejects.toSatisfy(isInvalidId);
      }
    });
    test('rejects invalid metadata and criteria before storing anything', async () => {
      const isInvalid = (error: unknown) => isMementoError(error, ErrorCodes.invalidArgument);
      await expect(store.save({ persistenceId: pid, sequenceNr: -1, timestamp: TIME } as SnapshotMetadata, 'x')).rejects.toSatisfy(
        isInvalid,
      );
      await expect(store.save({ persistenceId: pid, sequenceNr: 1.5, timestamp: TIME } as SnapshotMetadata, 'x')).rejects.toSatisfy(
        isInvalid,
      );
      await expect(store.save({ persistenceId: pid, sequenceNr: 1, timestamp: -3 } as SnapshotMetadata, 'x')).rejects.toSatisfy(isInvalid);
      await expect(store.load(pid, { minSequenceNr: 5, maxSequenceNr: 2 } as SnapshotSelectionCriteria)).rejects.toSatisfy(isInvalid);
      await expect(store.deleteMatching(pid, { maxTimestamp: Number.NaN } as SnapshotSelectionCriteria)).rejects.toSatisfy(isInvalid);
      expect(await listed()).toEqual([]);
    });
    test('accepts plain objects for metadata and criteria', async () => {
      await store.save({ persistenceId: pid, sequenceNr: 3, timestamp: at(3) } as SnapshotMetadata, 's-3');
      expectSnapshot(await load({ maxSequenceNr: 3 } as SnapshotSelectionCriteria), 3);
    });
    test('fails every operation after close with StoreClosedError', async () => {
      await store.close();
      const isClosed = (error: unknown) => isMementoError(error, ErrorCodes.storeClosed);
      await expect(store.save(metadata(1), 'x')).rejects.toSatisfy(isClosed);
      await expect(store.load(pid, SnapshotSelectionCriteria.Latest)).rejects.toSatisfy(isClosed);
      await expect(collect(store.list(pid))).rejects.toSatisfy(isClosed);
      await store.close();
    });
    test('reports each operation to hooks.onOperation with the store and persistence id', async () => {
      await store.save(metadata(1), 's-1');
      await store.load(pid, SnapshotSelectionCriteria.Latest);
      await store.delete(metadata(1));
      await store.deleteMatching(pid, SnapshotSelectionCriteria.Latest);
      const reported = observed.operations.filter((event) => event.persistenceId === pid);
      const operations = new Set(reported.map((event) => event.operation));
      expect(
        ['snapshot.save', 'snapshot.load', 'snapshot.delete', 'snapshot.deleteMatching'].filter(
          (operation) => !operations.has(operation as never),
        ),
        `operations missing from hooks.onOperation (it reported ${JSON.stringify([...operations])} for ${pid})`,
      ).toEqual([]);
      for (const event of reported) {
        expect(typeof event.store === 'string' && event.store.length > 0, `store name of ${event.operation}: ${shown(event.store)}`).toBe(
          true,
        );
      }
    });
    test('releases the clients and handles it opened itself when closed', async () => {
      await expectClosedStoreReleasesItsHandles(factory, options, async (other) => {
        const id = uniqueId('release');
        await other.save(metadata(1, id), 'x');
        await other.load(id, SnapshotSelectionCriteria.Latest);
      });
    });
    test.checkSkipList();
  });
}
