/** Values persisted in DynamoDB (dynalite) read back exactly, or are refused with nothing stored. */
import { DynamoDbDurableStateStore, DynamoDbJournal, DynamoDbSnapshotStore } from '../../src/dynamodb/index.js';
import { storeRoundTripSuite } from '../serialization/store-round-trip-suite.js';
import { useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('roundtrip');

storeRoundTripSuite(
  'dynamodb',
  async () => {
    const options = { client: dynamo.client, tableName: dynamo.tableName };
    const stores = {
      journal: new DynamoDbJournal(options),
      snapshotStore: new DynamoDbSnapshotStore(options),
      durableStateStore: new DynamoDbDurableStateStore(options),
    };
    return {
      ...stores,
      close: async () => {
        await stores.journal.close();
        await stores.snapshotStore.close();
        await stores.durableStateStore.close();
      },
    };
  },
  ['events', 'snapshots', 'state', 'entity'],
  20,
);
