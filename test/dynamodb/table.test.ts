/**
 * The table: created on demand, and laid out so that the slice index of the coming
 * projections-by-slice work finds every journal write by (entity type, slice) in time
 * order. dynalite cannot add an index to an existing table (real DynamoDB can, with
 * UpdateTable, and backfills it), so this table is created with the index from the start.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  Attribute,
  createTable,
  DynamoDbDurableStateStore,
  DynamoDbJournal,
  DynamoDbSnapshotStore,
  Kind,
  SLICE_INDEX_NAME,
  SLICES_PER_INDEX_KEY,
  sliceKey,
  tableDefinition,
} from '../../src/dynamodb/index.js';
import { SnapshotMetadata } from '../../src/index.js';
import { sliceOf } from '../../src/spi/slices.js';
import { atomicWrite, uniqueId } from '../../src/tck/index.js';
import { uniqueTableName, useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('slices', { sliceIndex: true });

async function bySlice(key: string, since: number) {
  const output = await dynamo.client.send(
    new QueryCommand({
      TableName: dynamo.tableName,
      IndexName: SLICE_INDEX_NAME,
      KeyConditionExpression: '#sl = :sl AND #ts >= :since',
      ExpressionAttributeNames: { '#sl': Attribute.sliceKey, '#ts': Attribute.writtenAt },
      ExpressionAttributeValues: { ':sl': { S: key }, ':since': { N: String(since) } },
    }),
  );
  return output.Items ?? [];
}

/** The slice group of an id as the slice key spells it: `<first slice>-<last slice>`. */
function group(id: string): string {
  const first = sliceOf(id) - (sliceOf(id) % SLICES_PER_INDEX_KEY);
  return `${first}-${first + SLICES_PER_INDEX_KEY - 1}`;
}

describe('the DynamoDB table', () => {
  it('finds journal writes by entity type and slice, in time order, through the slice index', async () => {
    const options = { client: dynamo.client, tableName: dynamo.tableName };
    const journal = new DynamoDbJournal(options);
    const since = Date.now();
    const id = `cart|${uniqueId('slice')}`;
    await journal.write([atomicWrite(id, 1, 2)]);
    await journal.write([atomicWrite(id, 3)]);
    const found = await bySlice(`j#cart#${group(id)}`, since);
    const mine = found.filter((item) => item.pk?.S === `j#${id}`);
    expect(mine.map((item) => item.sk?.N)).toEqual(['1', '3']);
    // Emptied writes leave the index, so a slice query never meets deleted events.
    await journal.deleteTo(id, 2);
    expect((await bySlice(sliceKey(Kind.journal, id), since)).filter((item) => item.pk?.S === `j#${id}`).map((item) => item.sk?.N)).toEqual(
      ['3'],
    );
    await journal.close();
  });

  it('gives snapshots and durable state their own slice keys', async () => {
    const options = { client: dynamo.client, tableName: dynamo.tableName };
    const [snapshots, states] = [new DynamoDbSnapshotStore(options), new DynamoDbDurableStateStore(options)];
    const since = Date.now();
    const id = `cart|${uniqueId('kinds')}`;
    await snapshots.save(new SnapshotMetadata({ persistenceId: id, sequenceNr: 1, timestamp: 5 }), 'state');
    await states.upsert(id, 1, 'value');
    expect((await bySlice(`s#cart#${group(id)}`, since)).map((item) => item.pk?.S)).toContain(`s#${id}`);
    expect((await bySlice(`d#cart#${group(id)}`, since)).map((item) => item.pk?.S)).toContain(`d#${id}`);
    await Promise.all([snapshots.close(), states.close()]);
  });

  it('is created on first use with createTableIfMissing, and createTable is idempotent', async () => {
    const tableName = uniqueTableName('created');
    const journal = new DynamoDbJournal({ clientConfig: dynamo.server.clientConfig(), tableName, createTableIfMissing: true });
    expect(await journal.write([atomicWrite('a', 1)])).toEqual([undefined]);
    expect(await journal.highestSequenceNr('a')).toBe(1);
    expect(await createTable(dynamo.client, { tableName })).toBe(false);
    await journal.close();
  });

  it('treats an undefined clientConfig entry as absent: region: process.env.REGION unset keeps the us-east-1 default', async () => {
    const unset: string | undefined = process.env.MEMENTO_TEST_UNSET_REGION;
    expect(unset).toBeUndefined();
    const tableName = uniqueTableName('region');
    const journal = new DynamoDbJournal({
      clientConfig: dynamo.server.clientConfig({ region: unset }),
      tableName,
      createTableIfMissing: true,
    });
    expect(await journal.write([atomicWrite('a', 1)])).toEqual([undefined]);
    await journal.close();
  });

  it('describes itself for infrastructure code, with provisioned capacity on the index too', () => {
    const definition = tableDefinition({
      tableName: 'app-events',
      billing: { readCapacityUnits: 5, writeCapacityUnits: 10 },
      sliceIndex: true,
    });
    expect(definition.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(definition.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: SLICE_INDEX_NAME,
      KeySchema: [
        { AttributeName: 'sl', KeyType: 'HASH' },
        { AttributeName: 'ts', KeyType: 'RANGE' },
      ],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 10 },
    });
    expect(() => tableDefinition({ tableName: 'ab' })).toThrow(/tableName/);
  });
});
