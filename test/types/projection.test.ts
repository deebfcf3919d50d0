import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createReadJournal,
  type EventEnvelope,
  MemoryJournal,
  MemoryOffsetStore,
  type OffsetStore,
  type ProjectionContext,
  runProjection,
  sequenceOffset,
  type TransactionOf,
} from '../../src/index.js';
import { SqliteOffsetStore, type SqliteProjectionTransaction } from '../../src/sqlite/index.js';

const directory = mkdtempSync(join(tmpdir(), 'memento-projection-types-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function* oneEvent(): AsyncIterable<EventEnvelope> {
  const journal = new MemoryJournal();
  await journal.write([
    { persistenceId: 'a', events: [{ persistenceId: 'a', sequenceNr: 1, event: { n: 1 }, timestamp: 0, tags: ['t'] }] },
  ]);
  yield* createReadJournal(journal).eventsByTag('t', sequenceOffset(0));
}

describe('ProjectionContext.transaction', () => {
  it('is the store transaction, never undefined, with a transactional offset store', async () => {
    const seen: unknown[] = [];
    await runProjection({
      name: 'typed-sqlite',
      source: () => oneEvent(),
      offsetStore: new SqliteOffsetStore(join(directory, 'offsets.db')),
      handler: (_envelope, context) => {
        expectTypeOf(context).toEqualTypeOf<ProjectionContext<SqliteProjectionTransaction>>();
        expectTypeOf(context.transaction).toEqualTypeOf<SqliteProjectionTransaction>();
        seen.push(typeof context.transaction.db.prepare);
      },
    }).done;
    expect(seen).toEqual(['function']);
  });

  it('is undefined with an offset store that has no transactions', async () => {
    const seen: unknown[] = [];
    await runProjection({
      name: 'typed-memory',
      source: () => oneEvent(),
      offsetStore: new MemoryOffsetStore(),
      handler: (_envelope, { transaction }) => {
        expectTypeOf(transaction).toEqualTypeOf<undefined>();
        seen.push(transaction);
      },
    }).done;
    expect(seen).toEqual([undefined]);
  });

  it('follows the store type', () => {
    expectTypeOf<TransactionOf<OffsetStore>>().toEqualTypeOf<undefined>();
    expectTypeOf<TransactionOf<MemoryOffsetStore>>().toEqualTypeOf<undefined>();
    expectTypeOf<TransactionOf<SqliteOffsetStore>>().toEqualTypeOf<SqliteProjectionTransaction>();
  });
});
