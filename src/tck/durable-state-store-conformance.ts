/**
 * The durable state store conformance suite: Akka's durable state checks plus revision
 * conflicts, concurrent writers, hostile ids and large values.
 * @module
 */
import { describe, expect } from 'vitest';
import { ErrorCodes, isMementoError } from '../core/errors.js';
import { durableStateCapabilities } from '../spi/capabilities.js';
import { type DurableStateStore, isTransferableDurableStateStore } from '../spi/durable-state-store.js';
import {
  type ConformanceOptions,
  expectClosedStoreReleasesItsHandles,
  expectMementoError,
  expectRejection,
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

/** Options of {@link durableStateStoreConformance}. */
export interface DurableStateStoreConformanceOptions extends ConformanceOptions<DurableStateStore> {
  /** Size of the large-value test. @default 10 MiB */
  readonly largePayloadBytes?: number;
}

const isConflict = (error: unknown) => isMementoError(error, ErrorCodes.concurrency);

/**
 * Registers the durable state store conformance suite with vitest. `factory` builds a
 * fresh store per test; the kit closes it afterwards.
 */
export function durableStateStoreConformance(
  name: string,
  factory: StoreFactory<DurableStateStore>,
  options: DurableStateStoreConformanceOptions = {},
): void {
  describe(`${name}: durable state store conformance`, () => {
    let store: DurableStateStore;
    let pid: string;
    let observed: Observed;

    const test = freshStorePerTest(factory, options, 'state', (...fresh) => {
      [store, observed, pid] = fresh;
    });

    test('declares only capabilities it implements', async () => {
      const { queries, live, transfer } = durableStateCapabilities(store);
      if (queries) expect(missingMethods(store, ['readChangesByTag']), 'capabilities.queries').toEqual([]);
      if (transfer) expect(missingMethods(store, ['listPersistenceIds', 'readStored', 'restore']), 'capabilities.transfer').toEqual([]);
      if (live) expect(missingMethods(store, ['subscribe']), 'capabilities.live').toEqual([]);
    });

    test('returns no value and revision 0 when not found', async () => {
      expect(await store.get(pid)).toEqual({ value: null, revision: 0 });
    });
    test('persists and gets a value', async () => {
      await store.upsert(pid, 1, { count: 1, name: 'ünï' }, 'tag-a');
      expect(await store.get(pid)).toEqual({ value: { count: 1, name: 'ünï' }, revision: 1 });
    });
    test('updates a value with the next revision', async () => {
      await store.upsert(pid, 1, { count: 1 });
      await store.upsert(pid, 2, { count: 2 });
      expect(await store.get(pid)).toEqual({ value: { count: 2 }, revision: 2 });
    });
    test('deletes a value, keeping the revision', async () => {
      await store.upsert(pid, 1, { count: 1 });
      await store.delete(pid, 2);
      expect(await store.get(pid)).toEqual({ value: null, revision: 2 });
    });
    test('upserts after delete with the next revision', async () => {
      await store.upsert(pid, 1, 'first');
      await store.delete(pid, 2);
      await expect(store.upsert(pid, 1, 'reused')).rejects.toSatisfy(isConflict);
      await store.upsert(pid, 3, 'again');
      expect(await store.get(pid)).toEqual({ value: 'again', revision: 3 });
    });
    test('keeps ids independent', async () => {
      const other = uniqueId('other');
      await store.upsert(pid, 1, 'mine');
      await store.upsert(other, 1, 'theirs');
      await store.upsert(other, 2, 'theirs again');
      await store.delete(other, 3);
      expect(await store.get(pid)).toEqual({ value: 'mine', revision: 1 });
      expect(await store.get(other)).toEqual({ value: null, revision: 3 });
    });
    test('rejects a stale or skipping revision on upsert with ConcurrencyError', async () => {
      await store.upsert(pid, 1, 'v1');
      await store.upsert(pid, 2, 'v2');
      for (const revision of [1, 2, 4]) {
        const error = await store.upsert(pid, revision, 'stale').then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expectMementoError(error, ErrorCodes.concurrency, 'error');
        const { persistenceId, expected, actual } = error as { persistenceId?: unknown; expected?: unknown; actual?: unknown };
        expect({ persistenceId, expected, actual }, `ConcurrencyError of upsert at revision ${revision} after 2`).toEqual({
          persistenceId: pid,
          expected: 3,
          actual: revision,
        });
      }
      expect(await store.get(pid)).toEqual({ value: 'v2', revision: 2 });
    });
    test('rejects a stale revision on delete with ConcurrencyError', async () => {
      await store.upsert(pid, 1, 'v1');
      await store.upsert(pid, 2, 'v2');
      await expect(store.delete(pid, 2)).rejects.toSatisfy(isConflict);
      await expect(store.delete(pid, 5)).rejects.toSatisfy(isConflict);
      expect(await store.get(pid)).toEqual({ value: 'v2', revision: 2 });
    });
    test('lets exactly one of several concurrent writers of a revision win', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, writer) => store.upsert(pid, 1, `writer-${writer}`)));
      const winners = outcomes.flatMap((outcome, writer) => (outcome.status === 'fulfilled' ? [writer] : []));
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expectMementoError(outcome.reason, ErrorCodes.concurrency, 'a losing concurrent upsert');
      }
      expect(await store.get(pid)).toEqual({ value: `writer-${winners[0]}`, revision: 1 });
    });
    test('round-trips a large value', async () => {
      const big = { blob: largeString(options.largePayloadBytes ?? 10 * 1024 * 1024) };
      await store.upsert(pid, 1, big);
      expect((await store.get(pid)).value).toEqual(big);
    });
    test('rejects an unserializable value and keeps the current one', async () => {
      await store.upsert(pid, 1, 'kept');
      await expect(store.upsert(pid, 2, unserializableValue())).rejects.toSatisfy((error) =>
        isMementoError(error, ErrorCodes.serialization),
      );
      expect(await store.get(pid)).toEqual({ value: 'kept', revision: 1 });
      await store.upsert(pid, 2, 'next');
    });
    test('keeps hostile persistence ids apart', async () => {
      const ids = hostileIds();
      for (const id of ids) await store.upsert(id, 1, `for ${id}`);
      for (const id of ids) expect(await store.get(id)).toEqual({ value: `for ${id}`, revision: 1 });
    });
    test('rejects invalid persistence ids and revisions before storing anything', async () => {
      for (const bad of invalidIds) {
        const isInvalidId = (error: unknown) => isMementoError(error, ErrorCodes.invalidPersistenceId);
        await expect(store.get(bad as string)).rejects.toSatisfy(isInvalidId);
        await expect(store.upsert(bad as string, 1, 'x')).rejects.toSatisfy(isInvalidId);
        await expect(store.delete(bad as string, 1)).rejects.toSatisfy(isInvalidId);
      }
      for (const revision of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
        await expectRejection(store.upsert(pid, revision, 'x'), ErrorCodes.invalidArgument, `upsert at revision ${shown(revision)}`);
      }
      await expect(store.upsert(pid, 1, 'x', '' as string)).rejects.toSatisfy((error) => isMementoError(error, ErrorCodes.invalidArgument));
      expect(await store.get(pid)).toEqual({ value: null, revision: 0 });
    });
    test('rejects an invalid revision on delete with InvalidArgumentError', async () => {
      await store.upsert(pid, 1, 'kept');
      for (const revision of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number, undefined as unknown as number]) {
        await expectRejection(store.delete(pid, revision), ErrorCodes.invalidArgument, `delete at revision ${shown(revision)}`);
      }
      expect(await store.get(pid)).toEqual({ value: 'kept', revision: 1 });
    });
    test('transfer: lists ids in order, reads whole states and restores them exactly once', async (context) => {
      if (!isTransferableDurableStateStore(store)) return context.skip('the store declares no transfer capability');
      const ids = [`${pid}-b`, `${pid}-a`, `${pid}-c`];
      await store.upsert(ids[0] as string, 1, { n: 1 }, 'tag-t');
      await store.upsert(ids[1] as string, 1, 'one');
      await store.upsert(ids[1] as string, 2, 'two');
      await store.delete(ids[1] as string, 3);
      const listed = await store.listPersistenceIds(pid, 1000);
      expect(listed.filter((id) => id.startsWith(`${pid}-`))).toEqual([`${pid}-a`, `${pid}-b`]);
      expect(await store.listPersistenceIds(`${pid}-a`, 1)).toEqual([`${pid}-b`]);
      const deleted = await store.readStored(`${pid}-a`);
      expect(deleted).toMatchObject({ persistenceId: `${pid}-a`, revision: 3, value: null });
      const tagged = await store.readStored(`${pid}-b`);
      expect(tagged).toMatchObject({ revision: 1, value: { n: 1 }, tag: 'tag-t' });
      expect(Number.isSafeInteger(tagged?.timestamp)).toBe(true);
      expect(await store.readStored(`${pid}-c`)).toBeNull();
      const restored = { persistenceId: `${pid}-c`, revision: 7, value: { kept: [1, 'x'] }, tag: 'tag-r', timestamp: 1_700_000_000_123 };
      await store.restore(restored);
      expect(await store.readStored(`${pid}-c`)).toEqual(restored);
      expect(await store.get(`${pid}-c`)).toEqual({ value: { kept: [1, 'x'] }, revision: 7 });
      await store.upsert(`${pid}-c`, 8, 'next');
      await expect(store.restore({ ...restored, revision: 2 })).rejects.toSatisfy(isConflict);
      await expect(store.restore({ ...restored, persistenceId: `${pid}-d`, revision: 0 })).rejects.toSatisfy((error) =>
        isMementoError(error, ErrorCodes.invalidArgument),
      );
      expect(await store.get(`${pid}-c`)).toEqual({ value: 'next', revision: 8 });
    });
    test('fails every operation after close with StoreClosedError', async () => {
      await store.close();
      const isClosed = (error: unknown) => isMementoError(error, ErrorCodes.storeClosed);
      await expect(store.get(pid)).rejects.toSatisfy(isClosed);
      await expect(store.upsert(pid, 1, 'x')).rejects.toSatisfy(isClosed);
      await expect(store.delete(pid, 1)).rejects.toSatisfy(isClosed);
      await store.close();
    });
    test('reports each operation to hooks.onOperation with the store and persistence id', async () => {
      await store.upsert(pid, 1, 'v1');
      await store.get(pid);
      await store.delete(pid, 2);
      const reported = observed.operations.filter((event) => event.persistenceId === pid);
      const operations = new Set(reported.map((event) => event.operation));
      expect(
        ['state.upsert', 'state.get', 'state.delete'].filter((operation) => !operations.has(operation as never)),
        `operations missing from hooks.onOperation (it reported ${JSON.stringify([...operations])} for ${pid})`,
      ).toEqual([]);
    });
    test('releases the clients and handles it opened itself when closed', async () => {
      await expectClosedStoreReleasesItsHandles(factory, options, async (other) => {
        const id = uniqueId('release');
        await other.upsert(id, 1, 'x');
        await other.get(id);
      });
    });
    test.checkSkipList();
  });
}
