/**
 * Every store, with the default serializer: whatever value is persisted as an event, a
 * snapshot or durable state, the value read back deep-equals the live one, or the persist was
 * refused with a SerializationError and nothing was stored (fast-check over nested values
 * holding Map, Set, Date, BigInt, NaN, undefined, holes, typed arrays, class instances...).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createPersistence,
  type DurableStateStore,
  defineEntity,
  Effect,
  ErrorCodes,
  isMementoError,
  type Journal,
  persistentRepr,
  SnapshotMetadata,
  SnapshotSelectionCriteria,
  type SnapshotStore,
} from '../../src/index.js';
import { FaultyJournal, FaultySnapshotStore } from '../runtime/support/faulty-stores.js';
import { propertyRuns } from '../support/property-runs.js';
import { anyValue, expectSameValue } from './values.js';

/** The stores of one backend; those it lacks are left out. */
export interface RoundTripStores {
  readonly journal?: Journal;
  readonly snapshotStore?: SnapshotStore;
  readonly durableStateStore?: DurableStateStore;
  readonly close: () => Promise<void>;
}

const refusedBySerialization = (error: unknown) => isMementoError(error, ErrorCodes.serialization);

/** What a backend offers, so only those tests are registered. */
export type RoundTripKind = 'events' | 'snapshots' | 'state' | 'entity';

/** Registers the round-trip properties for `kinds` against stores from `open` (one set per test). */
export function storeRoundTripSuite(name: string, open: () => Promise<RoundTripStores>, kinds: readonly RoundTripKind[], runs = 30): void {
  const test = (kind: RoundTripKind, title: string, body: () => Promise<void>) => {
    if (kinds.includes(kind)) it(title, body);
  };
  describe(`values persisted on ${name} read back exactly, or are refused with nothing stored`, () => {
    const withStores = async (work: (stores: RoundTripStores) => Promise<void>) => {
      const stores = await open();
      try {
        await work(stores);
      } finally {
        await stores.close();
      }
    };
    const settings = { numRuns: propertyRuns(runs), endOnFailure: true };

    test('events', 'events', () =>
      withStores(async ({ journal }) => {
        if (!journal) throw new Error(`${name} has no journal: do not ask for this test`);
        await fc.assert(
          fc.asyncProperty(anyValue, async ({ value, keepable }) => {
            const persistenceId = `events-${randomUUID()}`;
            const [result] = await journal.write([
              { persistenceId, events: [persistentRepr({ persistenceId, sequenceNr: 1, event: value })] },
            ]);
            if (result !== undefined) {
              expect(refusedBySerialization(result), String(result)).toBe(true);
              expect(keepable, `refused a value it must keep: ${result.message}`).toBe(false);
              expect(await journal.highestSequenceNr(persistenceId)).toBe(0);
              return;
            }
            expect(keepable, 'stored a value it must refuse').toBe(true);
            const replayed = [];
            for await (const repr of journal.replay(persistenceId, 1, Number.POSITIVE_INFINITY)) replayed.push(repr.event);
            expect(replayed).toHaveLength(1);
            expectSameValue(replayed[0], value);
          }),
          settings,
        );
      }),
    );

    test('snapshots', 'snapshots', () =>
      withStores(async ({ snapshotStore }) => {
        if (!snapshotStore) throw new Error(`${name} has no snapshot store: do not ask for this test`);
        await fc.assert(
          fc.asyncProperty(anyValue, async ({ value, keepable }) => {
            const persistenceId = `snapshots-${randomUUID()}`;
            const saved = await snapshotStore.save(new SnapshotMetadata({ persistenceId, sequenceNr: 3 }), value).then(
              () => undefined,
              (error: unknown) => error as Error,
            );
            const loaded = await snapshotStore.load(persistenceId, SnapshotSelectionCriteria.Latest);
            if (saved !== undefined) {
              expect(refusedBySerialization(saved), String(saved)).toBe(true);
              expect(keepable, `refused a value it must keep: ${saved.message}`).toBe(false);
              expect(loaded).toBeNull();
              return;
            }
            expect(keepable, 'stored a value it must refuse').toBe(true);
            expectSameValue(loaded?.snapshot, value);
          }),
          settings,
        );
      }),
    );

    test('state', 'durable state', () =>
      withStores(async ({ durableStateStore }) => {
        if (!durableStateStore) throw new Error(`${name} has no durable state store: do not ask for this test`);
        await fc.assert(
          fc.asyncProperty(anyValue, async ({ value, keepable }) => {
            const persistenceId = `state-${randomUUID()}`;
            const stored = await durableStateStore.upsert(persistenceId, 1, value).then(
              () => undefined,
              (error: unknown) => error as Error,
            );
            const record = await durableStateStore.get(persistenceId);
            if (stored !== undefined) {
              expect(refusedBySerialization(stored), String(stored)).toBe(true);
              expect(keepable, `refused a value it must keep: ${stored.message}`).toBe(false);
              expect(record).toEqual({ value: null, revision: 0 });
              return;
            }
            expect(keepable, 'stored a value it must refuse').toBe(true);
            expect(record.revision).toBe(1);
            expectSameValue(record.value, value);
          }),
          settings,
        );
      }),
    );

    test('entity', 'an entity holding a Map in its state with snapshotEvery recovers it after a restart', () =>
      withStores(async ({ journal, snapshotStore }) => {
        if (!journal || !snapshotStore) throw new Error(`${name} lacks a journal or snapshot store: do not ask for this test`);
        type Stock = { readonly items: Map<string, number>; readonly since: Date | null };
        type Added = { readonly type: 'added'; readonly sku: string; readonly at: Date };
        const Inventory = defineEntity<Stock, { sku: string } | { get: true }, Added>({
          name: 'inventory',
          emptyState: { items: new Map(), since: null },
          commandHandler: (state, command) =>
            'get' in command
              ? Effect.reply(state)
              : Effect.persist<Added, Stock>({ type: 'added', sku: command.sku, at: new Date(1000) }).thenReply((s) => s.items.size),
          eventHandler: (state, event) => ({
            items: new Map(state.items).set(event.sku, (state.items.get(event.sku) ?? 0) + 1),
            since: state.since ?? event.at,
          }),
          retention: { snapshotEvery: 2 },
        });
        const runtime = () =>
          createPersistence({ journal: new FaultyJournal(journal), snapshotStore: new FaultySnapshotStore(snapshotStore) });
        const entityId = randomUUID();
        const first = runtime();
        for (const sku of ['a', 'b', 'a', 'c', 'a']) await first.entity(Inventory, entityId).ask({ sku });
        const live = await first.entity(Inventory, entityId).ask<Stock>({ get: true });
        await first.close();
        const snapshot = await snapshotStore.load(`inventory|${entityId}`, SnapshotSelectionCriteria.Latest);
        expect(snapshot?.metadata.sequenceNr).toBe(4);
        const again = runtime();
        const recovered = await again.entity(Inventory, entityId).ask<Stock>({ get: true });
        await again.close();
        expect(recovered.items).toEqual(
          new Map([
            ['a', 3],
            ['b', 1],
            ['c', 1],
          ]),
        );
        expect(isDeepStrictEqual(recovered, live)).toBe(true);
      }),
    );
  });
}
