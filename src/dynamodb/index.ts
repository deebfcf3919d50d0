/**
 * `memento-es/dynamodb`: journal, snapshot store and durable state store in one DynamoDB
 * table, on `@aws-sdk/client-dynamodb` (an optional peer dependency, loaded on first use).
 * Large snapshots go to a snapshot store you pass (an S3 one, typically). See docs/dynamodb.md.
 *
 * ```ts
 * import { DynamoDbJournal, DynamoDbSnapshotStore, createTable } from 'memento-es/dynamodb';
 * const journal = new DynamoDbJournal({ tableName: 'memento', clientConfig: { region: 'eu-west-1' } });
 * ```
 * @module
 */
export type { DynamoDbOptions } from './connection.js';
export { DynamoDbDurableStateQueries, type DynamoDbDurableStateQueriesOptions } from './dynamodb-durable-state-queries.js';
export { DynamoDbDurableStateStore, type DynamoDbDurableStateStoreOptions } from './dynamodb-durable-state-store.js';
export { DynamoDbJournal, type DynamoDbJournalOptions } from './dynamodb-journal.js';
export { DynamoDbOffsetStore, type DynamoDbOffsetStoreOptions } from './dynamodb-offset-store.js';
export { DynamoDbReadJournal, type DynamoDbReadJournalOptions } from './dynamodb-read-journal.js';
export { DynamoDbSnapshotStore, type DynamoDbSnapshotStoreOptions } from './dynamodb-snapshot-store.js';
export { type BackfillSummary, backfillIdIndex } from './id-index.js';
export { itemSize, MAX_ITEM_BYTES } from './item-size.js';
export {
  Attribute,
  DEFAULT_TABLE_NAME,
  ID_INDEX_NAME,
  ID_SHARDS,
  idKey,
  Kind,
  partitionKey,
  SLICE_INDEX_NAME,
  sliceKey,
  sliceKeyOf,
  TAG_INDEX_NAME,
} from './layout.js';
export { createTable, type ProvisionedCapacity, type TableOptions, tableDefinition, validateTableName } from './table.js';
