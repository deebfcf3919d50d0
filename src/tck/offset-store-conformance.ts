/**
 * The offset store conformance suite: what `runProjection` relies on (NoOffset for a new
 * projection, the last saved offset back, one offset per name), the guard's checks (names,
 * offsets, use after close) and, for a transactional store, commit and rollback.
 * @module
 */
import { describe, expect } from 'vitest';
import { ErrorCodes } from '../core/errors.js';
import { isTransactionalOffsetStore, type OffsetStore, type TransactionalOffsetStore } from '../spi/offset-store.js';
import { NoOffset, type Offset } from '../spi/read-journal.js';
import {
  type ConformanceOptions,
  expectClosedStoreReleasesItsHandles,
  expectRejection,
  freshStorePerTest,
  missingMethods,
  type Observed,
  type StoreFactory,
  shown,
  uniqueId,
} from './support.js';

/** An offset store as the kit closes it. */
export type ClosableOffsetStore = OffsetStore & { close(): Promise<void> };

/** Options of {@link offsetStoreConformance}. */
export type OffsetStoreConformanceOptions<S extends ClosableOffsetStore = ClosableOffsetStore> = ConformanceOptions<S>;

/** Projection names a store must reject, with what each is. */
const invalidNames: readonly unknown[] = ['', 'x'.repeat(256), 42, null, undefined, { name: 'p' }];

/** Offsets a store must reject. */
const invalidOffsets: readonly unknown[] = [
  { type: 'sequence', value: -1 },
  { type: 'sequence', value: 1.5 },
  { type: 'sequence', value: Number.NaN },
  { type: 'sequence', value: '7' },
  { type: 'later', value: 1 },
  null,
  undefined,
  7,
];

/**
 * Registers the offset store conformance suite with vitest. `factory` builds a fresh store
 * per test (pass the context's `hooks` into its options); the kit closes it afterwards.
 */
export function offsetStoreConformance<S extends ClosableOffsetStore>(
  name: string,
  factory: StoreFactory<S>,
  options: OffsetStoreConformanceOptions<S> = {},
): void {
  describe(`${name}: offset store conformance`, () => {
    let store: S;
    let projection: string;
    let observed: Observed;

    const test = freshStorePerTest(factory, options, 'projection', (...fresh) => {
      [store, observed, projection] = fresh;
    });
    const sequence = (value: number): Offset => ({ type: 'sequence', value });
    const transactional = (): TransactionalOffsetStore<unknown> | undefined => (isTransactionalOffsetStore(store) ? store : undefined);

    test('declares capabilities.transactions only with an inTransaction method', async () => {
      if (isTransactionalOffsetStore(store)) expect(missingMethods(store, ['inTransaction']), 'capabilities.transactions').toEqual([]);
    });
    test('a projection that never saved has NoOffset', async () => {
      expect(await store.load(projection)).toEqual(NoOffset);
    });
    test('load returns the last saved offset, and NoOffset once NoOffset is saved', async () => {
      await store.save(projection, sequence(5));
      expect(await store.load(projection)).toEqual(sequence(5));
      await store.save(projection, sequence(3));
      expect(await store.load(projection)).toEqual(sequence(3));
      await store.save(projection, NoOffset);
      expect(await store.load(projection)).toEqual(NoOffset);
    });
    test('keeps the value of a timestamp offset and of the largest safe integer', async () => {
      await store.save(projection, { type: 'timestamp', value: 1_700_000_000_123 });
      expect(await store.load(projection)).toEqual({ type: 'timestamp', value: 1_700_000_000_123 });
      await store.save(projection, sequence(Number.MAX_SAFE_INTEGER));
      expect(await store.load(projection)).toEqual(sequence(Number.MAX_SAFE_INTEGER));
    });
    test('each projection name has its own offset, hostile names included', async () => {
      const names = [`${projection}-a`, `${projection}/b`, `${projection}-é🦀`, `${projection}'; --`, `${projection}${'x'.repeat(200)}`];
      for (const [index, each] of names.entries()) await store.save(each, sequence(index + 1));
      for (const [index, each] of names.entries()) expect(await store.load(each), each).toEqual(sequence(index + 1));
      expect(await store.load(`${projection}-c`)).toEqual(NoOffset);
    });
    test('rejects invalid projection names with InvalidArgumentError naming expected and found', async () => {
      for (const invalid of invalidNames) {
        const what = `projection name ${shown(invalid)}`;
        await expectRejection(store.load(invalid as string), ErrorCodes.invalidArgument, `load(${what})`);
        await expectRejection(store.save(invalid as string, sequence(1)), ErrorCodes.invalidArgument, `save(${what})`);
        const transactions = transactional();
        if (transactions) {
          await expectRejection(
            transactions.inTransaction(invalid as string, sequence(1), () => {}),
            ErrorCodes.invalidArgument,
            `inTransaction(${what})`,
          );
        }
      }
      await expect(store.load('')).rejects.toThrow(/projectionName: expected a non-empty string .*found ""/);
    });
    test('rejects invalid offsets naming the projection, and keeps the stored offset', async () => {
      await store.save(projection, sequence(4));
      for (const invalid of invalidOffsets) {
        await expectRejection(store.save(projection, invalid as Offset), ErrorCodes.invalidArgument, `save(offset ${shown(invalid)})`);
        const transactions = transactional();
        if (transactions) {
          let ran = false;
          await expectRejection(
            transactions.inTransaction(projection, invalid as Offset, () => {
              ran = true;
            }),
            ErrorCodes.invalidArgument,
            `inTransaction(offset ${shown(invalid)})`,
          );
          expect(ran, `inTransaction ran its work with the invalid offset ${shown(invalid)}`).toBe(false);
        }
      }
      await expect(store.save(projection, sequence(-1))).rejects.toThrow(
        new RegExp(`offset of projection "${projection}": expected .*found \\{"type":"sequence","value":-1\\}`),
      );
      expect(await store.load(projection)).toEqual(sequence(4));
    });
    test('refuses every call after close with StoreClosedError; close is idempotent', async () => {
      await store.save(projection, sequence(1));
      await store.close();
      await store.close();
      await expectRejection(store.load(projection), ErrorCodes.storeClosed, 'load after close');
      await expectRejection(store.save(projection, sequence(2)), ErrorCodes.storeClosed, 'save after close');
      const transactions = transactional();
      if (transactions) {
        let ran = false;
        await expectRejection(
          transactions.inTransaction(projection, sequence(2), () => {
            ran = true;
          }),
          ErrorCodes.storeClosed,
          'inTransaction after close',
        );
        expect(ran, 'inTransaction ran its work on a closed store').toBe(false);
      }
    });
    test('reports load and save to the hooks', async () => {
      await store.save(projection, sequence(1));
      await store.load(projection);
      const operations = observed.operations.map((event) => event.operation);
      expect(operations, 'hooks.onOperation (pass the context into the store options)').toEqual(
        expect.arrayContaining(['offset.save', 'offset.load']),
      );
    });
    test('transactional: the offset commits with the work, and neither when the work fails', async (context) => {
      const transactions = transactional();
      if (!transactions) return context.skip('the store has no inTransaction');
      let received: unknown;
      await transactions.inTransaction(projection, sequence(7), (transaction) => {
        received = transaction;
      });
      expect(received, 'the transaction handed to work').toBeDefined();
      expect(await store.load(projection)).toEqual(sequence(7));
      const failure = new Error('work failed (tck)');
      await expect(
        transactions.inTransaction(projection, sequence(8), () => {
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.load(projection)).toEqual(sequence(7));
      await expectRejection(
        transactions.inTransaction(projection, sequence(9), 'not a function' as unknown as () => void),
        ErrorCodes.invalidArgument,
        'inTransaction with a work that is not a function',
      );
      expect(await store.load(projection)).toEqual(sequence(7));
    });
    test('a closed store releases what it opened', async () => {
      await expectClosedStoreReleasesItsHandles(factory, options, async (other) => {
        await other.save(uniqueId('handles'), sequence(1));
      });
    });
    test.checkSkipList();
  });
}
