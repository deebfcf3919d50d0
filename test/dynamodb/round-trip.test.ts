/** Values persisted in DynamoDB (dynalite) read back exactly, or are refused with nothing stored. */
import { DynamoDbDurableStateStore, DynamoDbJournal, DynamoDbSnapshotStore } from '../../src/dynamodb/index.js';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';
import { useDynamoTable } from '../support/dynalite.js';
import { openStoreSet } from '../support/store-set.js';

const dynamo = useDynamoTable('roundtrip');

storeRoundTripSuite(
  'dynamodb',
  async () =>
    openStoreSet(
      { Journal: DynamoDbJournal, SnapshotStore: DynamoDbSnapshotStore, DurableStateStore: DynamoDbDurableStateStore },
      { client: dynamo.client, tableName: dynamo.tableName },
    ),
  ['events', 'snapshots', 'state', 'entity'],
  20,
);
