/**
 * Persistence ids in order, from the id index (docs/dynamodb.md#listing-ids). A Scan has no
 * order, so the items that make an id listable (a journal's first write, every snapshot,
 * every state) carry `ik` = `<kind>#<shard>`; the keys-only index `memento_ids` keeps each
 * shard's partition keys in byte order (the order of `comparePersistenceIds`), and a page
 * is the first `limit` ids of every shard, merged.
 * @module
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../core/errors.js';
import { comparePersistenceIds } from '../core/persistence-id.js';
import { numberValue, stringValue } from './attributes.js';
import { type Item, loadDynamoDb } from './client.js';
import type { DynamoDbConnection, Ready } from './connection.js';
import { awsErrorName, NAME, storeFailure, unlessConditionFails } from './errors.js';
import { Attribute, DEFAULT_TABLE_NAME, ID_INDEX_NAME, ID_SHARDS, type ItemKind, idKey, idKeyOf, Kind, partitionKey } from './layout.js';
import { validateTableName } from './table.js';

/** Ids of one shard after `afterId`, ascending, at most `limit` distinct ones. */
async function shardPage(
  ready: Ready,
  table: string,
  kind: ItemKind,
  shard: number,
  afterId: string | undefined,
  limit: number,
): Promise<string[]> {
  const prefix = `${kind}#`;
  const ids: string[] = [];
  let start: Item | undefined;
  do {
    const output = await ready.client.send(
      new ready.sdk.QueryCommand({
        TableName: table,
        IndexName: ID_INDEX_NAME,
        KeyConditionExpression: '#ik = :ik AND #pk > :after',
        ExpressionAttributeNames: { '#ik': Attribute.idKey, '#pk': Attribute.partitionKey },
        ExpressionAttributeValues: {
          ':ik': stringValue(idKeyOf(kind, shard)),
          // `<kind>#` sorts below every key of the kind, so no id is left out.
          ':after': stringValue(afterId === undefined ? prefix : partitionKey(kind, afterId)),
        },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of output.Items ?? []) {
      const key = item[Attribute.partitionKey]?.S;
      if (key === undefined || !key.startsWith(prefix)) continue;
      const id = key.slice(prefix.length);
      // Snapshots put one entry per snapshot: an id's entries are adjacent.
      if (ids[ids.length - 1] !== id) ids.push(id);
      if (ids.length === limit) return ids;
    }
    start = output.LastEvaluatedKey;
  } while (start);
  return ids;
}

/**
 * Ids of `kind` after `afterId`, ascending by code point, at most `limit`: one Query page
 * (or more, for duplicates) per shard, in parallel, merged. Eventually consistent, as every
 * index read is. A table without the index gets a StoreUnavailableError saying how to add it;
 * other failures are named `operation` (`'journal.listPersistenceIds'`).
 */
export async function listIdsOfKind(
  connection: DynamoDbConnection,
  kind: ItemKind,
  afterId: string | undefined,
  limit: number,
  operation: string,
): Promise<string[]> {
  const ready = await connection.ready('listPersistenceIds');
  const { table } = connection;
  try {
    const pages = await Promise.all(Array.from({ length: ID_SHARDS }, (_, shard) => shardPage(ready, table, kind, shard, afterId, limit)));
    return pages.flat().sort(comparePersistenceIds).slice(0, limit);
  } catch (error) {
    if (awsErrorName(error) === 'ValidationException' && /index/i.test((error as Error).message)) throw missingIndex(table, error);
    throw connection.failure(error, operation);
  }
}

function missingIndex(table: string, error: unknown): StoreUnavailableError {
  return new StoreUnavailableError(
    `listing persistence ids on table ${JSON.stringify(table)}: expected the id index ${JSON.stringify(ID_INDEX_NAME)}, found none (${(error as Error).message}); ` +
      'add it with UpdateTable (docs/dynamodb.md#listing-ids) or create the table with createTable(client, { idIndex: true }), ' +
      'then run `memento migrate --store dynamodb://<table>` (or backfillIdIndex) to register ids written before it',
    { source: NAME, expected: `index ${ID_INDEX_NAME}`, actual: 'no such index', cause: error },
  );
}

/** What {@link backfillIdIndex} did. */
export interface BackfillSummary {
  /** Items read by the Scan. */
  readonly scanned: number;
  /** Items that got their `ik` now. */
  readonly registered: number;
}

/**
 * Gives `ik` to every item that should carry it and does not (written before the id index
 * existed): a journal's first write, snapshots, states. One Scan of the table plus one
 * conditional update per item found; safe to run again, and beside live writers.
 */
export async function backfillIdIndex(client: DynamoDBClient, options: { readonly tableName?: string } = {}): Promise<BackfillSummary> {
  const table = validateTableName(options.tableName ?? DEFAULT_TABLE_NAME, 'options.tableName');
  try {
    return await backfill({ sdk: loadDynamoDb(), client }, table);
  } catch (error) {
    throw storeFailure(error, { table, operation: 'backfillIdIndex' });
  }
}

async function backfill(ready: Ready, table: string): Promise<BackfillSummary> {
  let scanned = 0;
  let registered = 0;
  let start: Item | undefined;
  do {
    const output = await ready.client.send(
      new ready.sdk.ScanCommand({
        TableName: table,
        ProjectionExpression: '#pk, #sk',
        FilterExpression:
          'attribute_not_exists(#ik) AND ((begins_with(#pk, :j) AND #sk = :first) OR begins_with(#pk, :s) OR begins_with(#pk, :d))',
        ExpressionAttributeNames: { '#pk': Attribute.partitionKey, '#sk': Attribute.sortKey, '#ik': Attribute.idKey },
        ExpressionAttributeValues: {
          ':j': stringValue(`${Kind.journal}#`),
          ':s': stringValue(`${Kind.snapshot}#`),
          ':d': stringValue(`${Kind.state}#`),
          ':first': numberValue(1),
        },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    scanned += output.ScannedCount ?? 0;
    for (const item of output.Items ?? []) {
      const key = item[Attribute.partitionKey]?.S ?? '';
      const kind = key.slice(0, key.indexOf('#')) as ItemKind;
      const persistenceId = key.slice(key.indexOf('#') + 1);
      const sent = ready.client.send(
        new ready.sdk.UpdateItemCommand({
          TableName: table,
          Key: { [Attribute.partitionKey]: item[Attribute.partitionKey] as never, [Attribute.sortKey]: item[Attribute.sortKey] as never },
          UpdateExpression: 'SET #ik = :ik',
          // A snapshot deleted since the Scan must not come back as a bare key.
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#ik': Attribute.idKey, '#pk': Attribute.partitionKey },
          ExpressionAttributeValues: { ':ik': stringValue(idKey(kind, persistenceId)) },
        }),
      );
      if (await unlessConditionFails(sent)) registered++;
    }
    start = output.LastEvaluatedKey;
  } while (start);
  return { scanned, registered };
}
