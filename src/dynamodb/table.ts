/**
 * The table every DynamoDB store shares: its definition (for CreateTable, CloudFormation,
 * CDK or Terraform) and a helper that creates it and waits until it is active.
 * @module
 */
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { invalidArgument, validateInteger } from '../core/validation.js';
import { retryPolicy, withRetry } from '../spi/retry.js';
import { loadDynamoDb } from './client.js';
import { awsErrorName, NAME, storeFailure } from './errors.js';
import { Attribute, DEFAULT_TABLE_NAME, ID_INDEX_NAME, SLICE_INDEX_NAME, TAG_INDEX_NAME } from './layout.js';

/** Provisioned capacity of the table (and of the slice index, when created). */
export interface ProvisionedCapacity {
  readonly readCapacityUnits: number;
  readonly writeCapacityUnits: number;
}

/** Options of {@link tableDefinition} and {@link createTable}. */
export interface TableOptions {
  /** @default 'memento' */
  readonly tableName?: string;
  /** On-demand (`'PAY_PER_REQUEST'`) or provisioned capacity. @default 'PAY_PER_REQUEST' */
  readonly billing?: 'PAY_PER_REQUEST' | ProvisionedCapacity;
  /**
   * Create the slice index (`memento_slices`: hash `sl`, range `ts`, all attributes) now.
   * Every item carries its attributes already, so on real DynamoDB it can also be added
   * later with UpdateTable, which backfills it. @default false
   */
  readonly sliceIndex?: boolean;
  /**
   * Create the durable state tag index (`memento_state_tags`: hash `tag`, range `ts`, all
   * attributes) for `changesByTag`; like the slice index it can be added later. @default false
   */
  readonly tagIndex?: boolean;
  /**
   * Create the id index (`memento_ids`: hash `ik`, range `pk`, keys only) that lists
   * persistence ids in order (`memento ids`, export). It costs one small index write per new
   * id and per new snapshot (docs/dynamodb.md#listing-ids). @default true
   */
  readonly idIndex?: boolean;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Checks a table name (3 to 255 of `A-Z a-z 0-9 _ . -`, DynamoDB's rule) and returns it. */
export function validateTableName(value: unknown, argument = 'tableName'): string {
  if (typeof value !== 'string' || !TABLE_NAME.test(value)) {
    invalidArgument(argument, '3 to 255 characters of A-Z, a-z, 0-9, "_", "." and "-"', value, { source: NAME });
  }
  return value;
}

/** The CreateTable input of the Memento table: keys, the id index, optional slice and tag indexes, billing. */
export function tableDefinition(options: TableOptions = {}): CreateTableCommandInput {
  const tableName = validateTableName(options.tableName ?? DEFAULT_TABLE_NAME, 'options.tableName');
  const billing = options.billing ?? 'PAY_PER_REQUEST';
  let throughput: { ReadCapacityUnits: number; WriteCapacityUnits: number } | undefined;
  if (billing !== 'PAY_PER_REQUEST') {
    if (typeof billing !== 'object' || billing === null) {
      invalidArgument('options.billing', '"PAY_PER_REQUEST" or { readCapacityUnits, writeCapacityUnits }', billing, { source: NAME });
    }
    throughput = {
      ReadCapacityUnits: validateInteger(billing.readCapacityUnits, 'options.billing.readCapacityUnits', { source: NAME }, { min: 1 }),
      WriteCapacityUnits: validateInteger(billing.writeCapacityUnits, 'options.billing.writeCapacityUnits', { source: NAME }, { min: 1 }),
    };
  }
  const attributes: NonNullable<CreateTableCommandInput['AttributeDefinitions']> = [
    { AttributeName: Attribute.partitionKey, AttributeType: 'S' },
    { AttributeName: Attribute.sortKey, AttributeType: 'N' },
  ];
  const definition: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: attributes,
    KeySchema: [
      { AttributeName: Attribute.partitionKey, KeyType: 'HASH' },
      { AttributeName: Attribute.sortKey, KeyType: 'RANGE' },
    ],
    ...(throughput ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput } : { BillingMode: 'PAY_PER_REQUEST' }),
  };
  const indexes: NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']> = [];
  const byTime = (indexName: string, hashAttribute: string) => ({
    IndexName: indexName,
    KeySchema: [
      { AttributeName: hashAttribute, KeyType: 'HASH' as const },
      { AttributeName: Attribute.writtenAt, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
    ...(throughput ? { ProvisionedThroughput: throughput } : {}),
  });
  if (options.sliceIndex) {
    attributes.push({ AttributeName: Attribute.sliceKey, AttributeType: 'S' });
    indexes.push(byTime(SLICE_INDEX_NAME, Attribute.sliceKey));
  }
  if (options.tagIndex) {
    attributes.push({ AttributeName: Attribute.tag, AttributeType: 'S' });
    indexes.push(byTime(TAG_INDEX_NAME, Attribute.tag));
  }
  if (indexes.length > 0) attributes.push({ AttributeName: Attribute.writtenAt, AttributeType: 'N' });
  if (options.idIndex ?? true) {
    attributes.push({ AttributeName: Attribute.idKey, AttributeType: 'S' });
    indexes.push({
      IndexName: ID_INDEX_NAME,
      KeySchema: [
        { AttributeName: Attribute.idKey, KeyType: 'HASH' as const },
        { AttributeName: Attribute.partitionKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' as const },
      ...(throughput ? { ProvisionedThroughput: throughput } : {}),
    });
  }
  if (indexes.length > 0) definition.GlobalSecondaryIndexes = indexes;
  return definition;
}

/**
 * Creates the table unless it exists, then waits (up to `timeoutMs`) until it is ACTIVE.
 * Resolves `true` when it created the table, `false` when it was there already.
 */
export async function createTable(client: DynamoDBClient, options: TableOptions & { readonly timeoutMs?: number } = {}): Promise<boolean> {
  const definition = tableDefinition(options);
  const table = definition.TableName as string;
  const timeoutMs = validateInteger(options.timeoutMs ?? 120_000, 'options.timeoutMs', { source: NAME }, { min: 0 });
  const sdk = loadDynamoDb();
  let created = false;
  try {
    await client.send(new sdk.CreateTableCommand(definition));
    created = true;
  } catch (error) {
    // Another process creating it at the same time is as good as creating it.
    if (awsErrorName(error) !== 'ResourceInUseException') throw storeFailure(error, { table, operation: 'createTable' });
  }
  // Polled with the shared retry loop: "not active yet" is the transient failure, the timeout its deadline.
  const policy = retryPolicy({ deadlineMs: timeoutMs, initialDelayMs: 20, maxDelayMs: 1_000 });
  await withRetry(
    policy,
    async () => {
      let status: string | undefined;
      try {
        status = (await client.send(new sdk.DescribeTableCommand({ TableName: table }))).Table?.TableStatus;
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') throw storeFailure(error, { table, operation: 'createTable' });
      }
      if (status !== 'ACTIVE') throw new TableNotActive(status);
    },
    {
      isTransient: (error) => error instanceof TableNotActive,
      fail: ({ error }) =>
        error instanceof TableNotActive
          ? storeFailure(new Error(`table status ${error.status ?? 'not found'} after ${timeoutMs} ms, expected ACTIVE`), {
              table,
              operation: 'createTable',
            })
          : error,
    },
  );
  return created;
}

/** DescribeTable's answer while the table is being created (or not visible yet). */
class TableNotActive extends Error {
  constructor(readonly status: string | undefined) {
    super(`table status ${status ?? 'not found'}, expected ACTIVE`);
  }
}
