/**
 * What only the DynamoDB durable state store has to prove beyond the kit: the item size
 * limit, conflicts that name the true revisions, and a change whose answer was lost.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import { DynamoDbDurableStateStore } from '../../src/dynamodb/index.js';
import { uniqueId } from '../../src/tck/index.js';
import { useDynamoTable } from '../support/dynalite.js';
import { secondAttempt } from './helpers.js';

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
