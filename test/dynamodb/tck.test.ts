/**
 * The conformance suites against dynalite, every store sharing one table (the kit uses a
 * unique persistence id per test). Events and durable states larger than DynamoDB's 400 KB
 * item are refused by design (docs/dynamodb.md), so their large-value tests use 300 KB;
 * snapshots keep the kit's size (test/support/large-payloads.ts), above an item, so they go to an
 * S3 store through `largeSnapshots`.
 */
import {
  DynamoDbDurableStateQueries,
  DynamoDbDurableStateStore,
  DynamoDbJournal,
  DynamoDbOffsetStore,
  DynamoDbSnapshotStore,
} from '../../src/dynamodb/index.js';
import { S3SnapshotStore } from '../../src/s3/index.js';
import {
  durableStateQueryConformance,
  durableStateStoreConformance,
  journalConformance,
  offsetStoreConformance,
  snapshotStoreConformance,
} from '../../src/tck/index.js';
import { useDynamoTable } from '../support/dynalite.js';
import { largePayloads } from '../support/large-payloads.js';
import { useS3Bucket } from '../support/s3-server.js';
import { damageSnapshotItem } from './helpers.js';

const dynamo = useDynamoTable('tck', { tagIndex: true });
const bucket = 'memento-dynamodb-tck';
const s3 = useS3Bucket(bucket);
const ITEM_SIZED = 300 * 1024;

const options = () => ({ client: dynamo.client, tableName: dynamo.tableName });

journalConformance('dynamodb', (context) => new DynamoDbJournal({ ...context, ...options(), replayPageSize: 7 }), {
  largePayloadBytes: ITEM_SIZED,
});

snapshotStoreConformance(
  'dynamodb',
  (context) =>
    new DynamoDbSnapshotStore({
      ...context,
      ...options(),
      listPageSize: 2,
      largeSnapshots: new S3SnapshotStore({ client: s3.client, bucket, prefix: 'large/' }),
    }),
  {
    ...largePayloads(),
    damageSnapshot: (_store, persistenceId, sequenceNr) => damageSnapshotItem(dynamo.client, dynamo.tableName, persistenceId, sequenceNr),
  },
);

// Without a large-snapshot store: the same suite, with snapshots that fit an item.
snapshotStoreConformance('dynamodb without largeSnapshots', (context) => new DynamoDbSnapshotStore({ ...context, ...options() }), {
  largePayloadBytes: ITEM_SIZED,
});

durableStateStoreConformance('dynamodb', (context) => new DynamoDbDurableStateStore({ ...context, ...options() }), {
  largePayloadBytes: ITEM_SIZED,
});

// changesByTag through the tag index, by write time (queries close with the store's client: it is the test's).
durableStateQueryConformance('dynamodb', (context) => new DynamoDbDurableStateStore({ ...context, ...options() }), {
  offsets: 'timestamp',
  queries: (store, poll) =>
    new DynamoDbDurableStateQueries({
      ...options(),
      ...poll,
      serialization: (store as DynamoDbDurableStateStore).serialization,
    }),
});

offsetStoreConformance('dynamodb', (context) => new DynamoDbOffsetStore({ ...context, ...options() }));
