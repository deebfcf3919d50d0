/**
 * What only the DynamoDB durable state store has to prove beyond the kit: the item size
 * limit, conflicts that name the true revisions, and a change whose answer was lost.
 */
import { randomBytes } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { Attribute, DynamoDbDurableStateStore, DynamoDbSnapshotStore, Kind, partitionKey } from '../../src/dynamodb/index.js';
import { CorruptDataError, SnapshotMetadata, SnapshotSelectionCriteria } from '../../src/index.js';
import { uniqueId } from '../../src/tck/index.js';
import { useDynamoTable } from '../support/dynalite.js';
import { secondAttempt, snapshotItem } from './helpers.js';

const dynamo = useDynamoTable('state');
const store = (client: DynamoDBClient = dynamo.client) => new DynamoDbDurableStateStore({ client, tableName: dynamo.tableName });

describe('DynamoDbDurableStateStore', () => {
  it('refuses a value over the item limit, naming its size, and keeps the current one', async () => {
    const states = store();
    const id = uniqueId('too-large');
    await states.upsert(id, 1, 'current');
    const failure = await states.upsert(id, 2, randomBytes(500_000)).catch((error: unknown) => error);
    expect(isMementoError(failure, ErrorCodes.invalidArgument)).toBe(true);
    expect((failure as Error).message).toMatch(/at most 409600 bytes as one DynamoDB item, found 5\d{5}/);
    expect(await states.get(id)).toEqual({ value: 'current', revision: 1 });
    await states.close();
  });

  it('reads a payload copied from another id, or an item given another revision, as CorruptDataError naming it', async () => {
    const states = store();
    const [a, b] = [uniqueId('copied-from'), uniqueId('copied-to')];
    await states.upsert(a, 1, { owner: 'a' });
    await states.upsert(b, 1, { owner: 'b' });
    const itemKey = (id: string) => ({ [Attribute.partitionKey]: { S: partitionKey(Kind.state, id) }, [Attribute.sortKey]: { N: '0' } });
    const read = async (id: string) =>
      (await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: itemKey(id), ConsistentRead: true }))).Item ?? {};
    const [itemA, itemB] = [await read(a), await read(b)];
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: { ...itemB, [Attribute.payload]: itemA[Attribute.payload] as AttributeValue },
      }),
    );
    const copied = await states.get(b).catch((error: unknown) => error);
    expect(copied).toBeInstanceOf(CorruptDataError);
    expect((copied as Error).message).toMatch(new RegExp(`state 1 of "${b}".*written for another place`));
    await dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: { ...itemA, [Attribute.revision]: { N: '7' } } }));
    await expect(states.get(a)).rejects.toThrow(new RegExp(`state 7 of "${a}".*written for another place`));
    await states.close();
  });

  it('skips a snapshot whose payload was copied from another sequence number', async () => {
    const snapshots = new DynamoDbSnapshotStore({ client: dynamo.client, tableName: dynamo.tableName });
    const id = uniqueId('snapshot-copied');
    await snapshots.save(new SnapshotMetadata({ persistenceId: id, sequenceNr: 1 }), 'one');
    await snapshots.save(new SnapshotMetadata({ persistenceId: id, sequenceNr: 2 }), 'two');
    const [first, second] = [
      await snapshotItem(dynamo.client, dynamo.tableName, id, 1),
      await snapshotItem(dynamo.client, dynamo.tableName, id, 2),
    ];
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: { ...second, [Attribute.payload]: first?.[Attribute.payload] as AttributeValue },
      }),
    );
    const skipped: Error[] = [];
    const selected = await snapshots.load(id, SnapshotSelectionCriteria.Latest, { onSkipped: (entry) => skipped.push(entry.error) });
    expect(selected?.snapshot).toBe('one');
    expect(skipped.map((error) => error.message)).toEqual([expect.stringMatching(/snapshot 2 of .*written for another place/)]);
    await snapshots.close();
  });

  it('names the current revision and the one tried in a conflict', async () => {
    const [a, b] = [store(), store()];
    const id = uniqueId('conflict');
    await a.upsert(id, 1, 'a');
    await b.upsert(id, 2, 'b');
    const failure = await a.upsert(id, 2, 'a again').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCodes.concurrency, persistenceId: id, expected: 3, actual: 2 });
    const deleteFailure = await a.delete(id, 5).catch((error: unknown) => error);
    expect(deleteFailure).toMatchObject({ code: ErrorCodes.concurrency, expected: 3, actual: 5 });
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps the tag when the value is deleted', async () => {
    const states = store();
    const id = uniqueId('tagged');
    await states.upsert(id, 1, 'v', 'orders');
    await states.delete(id, 2);
    expect(await states.get(id)).toEqual({ value: null, revision: 2 });
    await states.upsert(id, 3, 'back');
    expect(await states.get(id)).toEqual({ value: 'back', revision: 3 });
    await states.close();
  });

  it('treats its own change, sent again after a lost answer, as done', async () => {
    // A client that sends each change twice, as the SDK does when the first answer is lost.
    const twice = {
      send: async (command: unknown) => {
        if (!(command instanceof PutItemCommand || command instanceof UpdateItemCommand))
          return dynamo.client.send(command as PutItemCommand);
        await dynamo.client.send(command as PutItemCommand);
        return dynamo.client.send(command as PutItemCommand).catch(secondAttempt);
      },
      destroy: () => {},
    } as unknown as DynamoDBClient;
    const states = store(twice);
    const id = uniqueId('lost-answer');
    await states.upsert(id, 1, 'one');
    await states.upsert(id, 2, 'two');
    await states.delete(id, 3);
    expect(await states.get(id)).toEqual({ value: null, revision: 3 });
    await states.close();
  });
});
