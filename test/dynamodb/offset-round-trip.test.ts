/**
 * Every offset store loads the offset kind it was given: a timestamp offset (DynamoDB's
 * slice queries) comes back a timestamp, a sequence a sequence, from memory, SQLite,
 * PostgreSQL and DynamoDB alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbOffsetStore } from '../../src/dynamodb/index.js';
import { decodeOffset, encodeOffset, NoOffset, type Offset, type OffsetStore } from '../../src/index.js';
import { MemoryOffsetStore } from '../../src/memory/index.js';
import { PostgresOffsetStore } from '../../src/postgres/index.js';
import { SqliteOffsetStore } from '../../src/sqlite/index.js';
import { useSchema } from '../postgres/support.js';
import { useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('offsets');
const pg = useSchema('dynamo_offsets');
const directory = mkdtempSync(join(tmpdir(), 'memento-offsets-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Every kind of offset, with values up to the largest safe integer. */
const offsets: fc.Arbitrary<Offset> = fc.oneof(
  fc.constant(NoOffset),
  fc.record({ type: fc.constant('sequence' as const), value: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
  fc.record({ type: fc.constant('timestamp' as const), value: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
);

/** Saves then loads each offset under one name, as a projection restarting would. */
async function roundTrips(store: OffsetStore): Promise<void> {
  await fc.assert(
    fc.asyncProperty(offsets, async (offset) => {
      await store.save('round-trip', offset);
      expect(await store.load('round-trip')).toEqual(offset);
    }),
    { numRuns: 60 },
  );
  // Value 0 is the start whatever the kind: it loads as NoOffset.
  await store.save('round-trip', { type: 'timestamp', value: 0 });
  expect(await store.load('round-trip')).toEqual(NoOffset);
}

describe('offset stores keep the offset kind', () => {
  it('the stored number encodes every kind', () => {
    fc.assert(
      fc.property(offsets, (offset) => {
        expect(decodeOffset(encodeOffset(offset))).toEqual(offset);
      }),
    );
  });

  it('memory', async () => {
    await roundTrips(new MemoryOffsetStore());
  });

  it('SQLite', async () => {
    const store = new SqliteOffsetStore(join(directory, 'offsets.db'));
    await roundTrips(store);
    await store.close();
  });

  it('PostgreSQL', async () => {
    const store = new PostgresOffsetStore({ pool: pg.pool, schema: pg.schema });
    await roundTrips(store);
    await store.close();
  });

  it('DynamoDB', async () => {
    const store = new DynamoDbOffsetStore({ client: dynamo.client, tableName: dynamo.tableName });
    await roundTrips(store);
    await store.close();
  });
});
