/** Test helpers that reach into the table as a disk or network fault would. */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Attribute, Kind, partitionKey } from '../../src/dynamodb/index.js';

/** The stored item of snapshot `sequenceNr` of `persistenceId`, or undefined. */
export async function snapshotItem(client: DynamoDBClient, table: string, persistenceId: string, sequenceNr: number) {
  const key = {
    [Attribute.partitionKey]: { S: partitionKey(Kind.snapshot, persistenceId) },
    [Attribute.sortKey]: { N: String(sequenceNr) },
  };
  return (await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

/** Flips a byte in the middle of an inline snapshot's payload. */
export async function damageSnapshotItem(client: DynamoDBClient, table: string, persistenceId: string, sequenceNr: number): Promise<void> {
  const item = await snapshotItem(client, table, persistenceId, sequenceNr);
  const payload = item?.[Attribute.payload]?.B;
  if (!item || !payload) throw new Error(`no inline snapshot ${sequenceNr} of ${persistenceId} to damage`);
  const damaged = Uint8Array.from(payload);
  damaged[damaged.length >> 1] = (damaged[damaged.length >> 1] ?? 0) ^ 0xff;
  await client.send(new PutItemCommand({ TableName: table, Item: { ...item, [Attribute.payload]: { B: damaged } } }));
}

/** Marks an error as the SDK marks the failure of a retried request: its second attempt. */
export function secondAttempt(error: unknown): never {
  const metadata = (error as { $metadata?: Record<string, unknown> }).$metadata ?? {};
  Object.assign(error as object, { $metadata: { ...metadata, attempts: 2 } });
  throw error;
}
