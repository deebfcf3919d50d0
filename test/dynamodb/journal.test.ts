/**
 * What only the DynamoDB journal has to prove beyond the kit: its item layout, the item
 * size limit, stale remembered highests across processes (even after deleteTo), and a
 * put whose answer was lost.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isMementoError } from '../../src/core/errors.js';
import type { PersistentRepr } from '../../src/core/persistent-repr.js';
import {
  Attribute,
  DynamoDbJournal,
  Kind,
  MAX_ITEM_BYTES,
  partitionKey,
  SLICES_PER_INDEX_KEY,
  sliceKey,
} from '../../src/dynamodb/index.js';
import { sliceOf } from '../../src/spi/slices.js';
import { atomicWrite, collect, event, uniqueId } from '../../src/tck/index.js';
import { useDynamoTable } from '../support/dynalite.js';
import { secondAttempt } from './helpers.js';

const dynamo = useDynamoTable('journal');
const journal = (client: DynamoDBClient = dynamo.client) => new DynamoDbJournal({ client, tableName: dynamo.tableName });

async function items(persistenceId: string) {
  const output = await dynamo.client.send(
    new QueryCommand({
      TableName: dynamo.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: partitionKey(Kind.journal, persistenceId) } },
      ConsistentRead: true,
    }),
  );
  return output.Items ?? [];
}

const sequenceNrs = async (store: DynamoDbJournal, id: string) =>
  (await collect(store.replay(id, 1, Number.POSITIVE_INFINITY))).map((repr) => repr.sequenceNr);

/** An event whose payload is `bytes` random (incompressible) bytes. */
const bulky = (id: string, sequenceNr: number, bytes: number): PersistentRepr => event(id, sequenceNr, randomBytes(bytes));

describe('DynamoDbJournal layout', () => {
  it('stores each AtomicWrite as one item keyed by its first sequence number, with slice key and write time', async () => {
    const store = journal();
    const id = `order|${uniqueId('layout')}`;
    const before = Date.now();
    expect(await store.write([atomicWrite(id, 1), atomicWrite(id, 2, 3, 4)])).toEqual([undefined, undefined]);
    const stored = await items(id);
    expect(stored.map((item) => [item.sk?.N, item[Attribute.last]?.N])).toEqual([
      ['1', '1'],
      ['2', '4'],
    ]);
    for (const item of stored) {
      const first = sliceOf(id) - (sliceOf(id) % SLICES_PER_INDEX_KEY);
      expect(item[Attribute.sliceKey]?.S).toBe(`j#order#${first}-${first + SLICES_PER_INDEX_KEY - 1}`);
      expect(item[Attribute.sliceKey]?.S).toBe(sliceKey(Kind.journal, id));
      expect(Number(item[Attribute.writtenAt]?.N)).toBeGreaterThanOrEqual(before);
      expect(item[Attribute.events]?.B).toBeInstanceOf(Uint8Array);
    }
    await store.close();
  });

  it('empties deleted items instead of removing them, and drops them from the slice index', async () => {
    const store = journal();
    const id = uniqueId('tombstone');
    await store.write([atomicWrite(id, 1, 2), atomicWrite(id, 3, 4)]);
    await store.deleteTo(id, 3);
    const all = (await items(id)).sort((a, b) => Number(a.sk?.N) - Number(b.sk?.N));
    expect(all.map((item) => item.sk?.N)).toEqual(['0', '1', '3']);
    // sk 0: the meta item; 1: the write of 1-2, emptied; 3: the write of 3-4, trimmed to 4.
    expect(all[0]?.[Attribute.deletedTo]?.N).toBe('3');
    expect(all[1]?.[Attribute.events]).toBeUndefined();
    expect(all[1]?.[Attribute.sliceKey]).toBeUndefined();
    expect(all[1]?.[Attribute.last]?.N).toBe('2');
    expect(all[2]?.[Attribute.liveFrom]?.N).toBe('4');
    expect(all[2]?.[Attribute.events]).toBeDefined();
    expect(await sequenceNrs(store, id)).toEqual([4]);
    await store.close();
  });
});

describe('DynamoDbJournal item size', () => {
  it('refuses a write over the item limit with an error naming its size, storing nothing', async () => {
    const store = journal();
    const id = uniqueId('too-large');
    await store.write([atomicWrite(id, 1)]);
    const [result] = await store.write([{ persistenceId: id, events: [bulky(id, 2, 250_000), bulky(id, 3, 250_000)] }]);
    expect(isMementoError(result, ErrorCodes.invalidArgument)).toBe(true);
    expect((result as Error).message).toMatch(/expected at most 409600 bytes as one DynamoDB item, found 5\d{5}/);
    expect((result as Error).message).toContain(JSON.stringify(id));
    expect(await sequenceNrs(store, id)).toEqual([1]);
    expect(await store.write([atomicWrite(id, 2)])).toEqual([undefined]);
    await store.close();
  });

  it('stores a write just under the limit: its size estimate never exceeds what DynamoDB counts', async () => {
    const store = journal();
    // Find the largest single-event payload the journal accepts: dynalite must have stored it.
    let low = 350_000;
    let high = MAX_ITEM_BYTES;
    let accepted: { id: string; size: number } | undefined;
    while (low <= high) {
      const size = Math.floor((low + high) / 2);
      const id = uniqueId('probe');
      const [result] = await store.write([{ persistenceId: id, events: [bulky(id, 1, size)] }]);
      if (result === undefined) {
        accepted = { id, size };
        low = size + 1;
      } else {
        expect(isMementoError(result, ErrorCodes.invalidArgument)).toBe(true);
        high = size - 1;
      }
    }
    expect(accepted?.size).toBeGreaterThan(MAX_ITEM_BYTES - 1_000);
    const [replayed] = await collect(store.replay(accepted?.id ?? '', 1, 1));
    expect(replayed?.event).toBeInstanceOf(Uint8Array);
    expect((replayed?.event as Uint8Array | undefined)?.length).toBe(accepted?.size);
    await store.close();
  });
});

describe('DynamoDbJournal across journal objects (as across processes)', () => {
  it('rejects a write from a stale remembered highest with the true expected and actual numbers', async () => {
    const [a, b] = [journal(), journal()];
    const id = uniqueId('stale');
    await a.write([atomicWrite(id, 1)]);
    expect(await b.highestSequenceNr(id)).toBe(1);
    await b.write([atomicWrite(id, 2, 3)]);
    // `a` remembers 1 and tries 2, inside b's write of 2-3: its put collides with that item.
    const [result] = await a.write([atomicWrite(id, 2)]);
    expect(isMementoError(result, ErrorCodes.concurrency)).toBe(true);
    expect(result).toMatchObject({ persistenceId: id, expected: 4, actual: 2 });
    expect(await a.write([atomicWrite(id, 4)])).toEqual([undefined]);
    expect(await sequenceNrs(b, id)).toEqual([1, 2, 3, 4]);
    await Promise.all([a.close(), b.close()]);
  });

  it('still rejects a stale writer after the events it would overwrite were deleted', async () => {
    const [a, b] = [journal(), journal()];
    const id = uniqueId('stale-deleted');
    await a.write([atomicWrite(id, 1, 2, 3)]);
    expect(await b.highestSequenceNr(id)).toBe(3);
    await b.write([atomicWrite(id, 4), atomicWrite(id, 5)]);
    await b.deleteTo(id, 5);
    // `a` still believes 3 is the highest: position 4 is taken by an emptied item, not free.
    const [result] = await a.write([atomicWrite(id, 4)]);
    expect(result).toMatchObject({ code: ErrorCodes.concurrency, expected: 6, actual: 4 });
    expect(await a.highestSequenceNr(id)).toBe(5);
    expect(await a.write([atomicWrite(id, 6)])).toEqual([undefined]);
    expect(await sequenceNrs(a, id)).toEqual([6]);
    await Promise.all([a.close(), b.close()]);
  });

  it('replays from inside or at the start of a write another journal stored since', async () => {
    const [a, b] = [journal(), journal()];
    const id = uniqueId('straddle');
    await a.write([atomicWrite(id, 1)]);
    expect(await b.highestSequenceNr(id)).toBe(1);
    await b.write([atomicWrite(id, 2, 3, 4)]);
    // `a` still remembers 1 as the highest: from 2 it may skip the straddling Query, from 3 it may not.
    const replayed = async (from: number) => (await collect(a.replay(id, from, Number.POSITIVE_INFINITY))).map((repr) => repr.sequenceNr);
    expect(await replayed(2)).toEqual([2, 3, 4]);
    expect(await replayed(3)).toEqual([3, 4]);
    expect(await replayed(4)).toEqual([4]);
    await Promise.all([a.close(), b.close()]);
  });

  it('treats its own put, sent again after a lost answer, as stored', async () => {
    // A client that sends each PutItem twice, as the SDK does when the first answer is lost.
    const twice = {
      send: async (command: unknown) => {
        if (!(command instanceof PutItemCommand)) return dynamo.client.send(command as PutItemCommand);
        await dynamo.client.send(command);
        return dynamo.client.send(command).catch(secondAttempt);
      },
      destroy: () => {},
    } as unknown as DynamoDBClient;
    const store = journal(twice);
    const id = uniqueId('lost-answer');
    expect(await store.write([atomicWrite(id, 1, 2)])).toEqual([undefined]);
    expect(await store.write([atomicWrite(id, 3)])).toEqual([undefined]);
    expect(await sequenceNrs(store, id)).toEqual([1, 2, 3]);
    await store.close();
  });
});

describe('DynamoDbJournal conflicts', () => {
  it('reads no write token when the SDK sent the losing put only once', async () => {
    const sent: string[] = [];
    const counting = {
      send: (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return dynamo.client.send(command as PutItemCommand);
      },
      destroy: () => {},
    } as unknown as DynamoDBClient;
    const [a, b] = [journal(counting), journal()];
    const id = uniqueId('one-attempt');
    await a.write([atomicWrite(id, 1)]);
    await b.write([atomicWrite(id, 2)]);
    sent.length = 0;
    const [result] = await a.write([atomicWrite(id, 2)]);
    expect(result).toMatchObject({ code: ErrorCodes.concurrency, expected: 3, actual: 2 });
    expect(sent).toEqual(['PutItemCommand', 'QueryCommand']);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('DynamoDbJournal failures', () => {
  it('names the table and how to create it when the table does not exist', async () => {
    const store = new DynamoDbJournal({ client: dynamo.client, tableName: 'no-such-table' });
    const failure = await store.highestSequenceNr('x').catch((error: unknown) => error);
    expect(isMementoError(failure, ErrorCodes.storeUnavailable)).toBe(true);
    expect((failure as Error).message).toContain('"no-such-table"');
    expect((failure as Error).message).toContain('createTable()');
    await store.close();
  });

  it('reports damaged stored events as CorruptDataError naming the id', async () => {
    const store = journal();
    const id = uniqueId('damaged');
    await store.write([atomicWrite(id, 1, 2)]);
    const [item] = await items(id);
    const packed = Uint8Array.from(item?.[Attribute.events]?.B ?? []);
    packed[packed.length >> 1] = (packed[packed.length >> 1] ?? 0) ^ 0xff;
    await dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: { ...item, [Attribute.events]: { B: packed } } }));
    const failure = await collect(store.replay(id, 1, 2)).catch((error: unknown) => error);
    expect(isMementoError(failure, ErrorCodes.corruptData)).toBe(true);
    expect((failure as Error).message).toContain(JSON.stringify(id));
    await store.close();
  });

  it('checks its options eagerly', () => {
    expect(() => new DynamoDbJournal({ tableName: 'x' })).toThrow(/tableName/);
    expect(() => new DynamoDbJournal({ replayPageSize: 0 })).toThrow(/replayPageSize/);
    expect(() => new DynamoDbJournal({ client: {} as DynamoDBClient })).toThrow(/options.client/);
  });
});
