/**
 * createTable waits for ACTIVE through the shared retry loop (src/spi/retry.ts): against a
 * dynalite that keeps new tables CREATING for a while, a zero timeout fails naming the status
 * found, and the default timeout waits until the table is ACTIVE.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable } from '../../src/dynamodb/index.js';
import { DYNALITE_CREDENTIALS, HOW_TO_START, uniqueTableName } from '../support/dynalite.js';

const dynalite = createRequire(import.meta.url)('dynalite') as (options: object) => Server;

let server: Server;
let client: DynamoDBClient;

beforeAll(async () => {
  // Its own server: the shared one makes tables ACTIVE at once, so no wait would happen.
  server = dynalite({ createTableMs: 300 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`dynalite could not listen: ${error.message}; ${HOW_TO_START}`)));
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: DYNALITE_CREDENTIALS });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

describe('createTable on a table still being created', () => {
  it('fails after timeoutMs naming the status it found and the one expected', async () => {
    const tableName = uniqueTableName('creating');
    await expect(createTable(client, { tableName, timeoutMs: 0 })).rejects.toThrow(/table status CREATING after 0 ms, expected ACTIVE/);
  });

  it('waits until the table is ACTIVE', async () => {
    const tableName = uniqueTableName('waited');
    await expect(createTable(client, { tableName })).resolves.toBe(true);
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(described.Table?.TableStatus).toBe('ACTIVE');
  });
});
