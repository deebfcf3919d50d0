/** The entity, durable-entity and machine suites on DynamoDB (dynalite): the same checks as on memory, not copies. */
import { DynamoDbDurableStateStore, DynamoDbJournal, DynamoDbSnapshotStore } from '../../src/dynamodb/index.js';
import { machineSuite } from '../machine/machine-suite.js';
import { durableEntitySuite } from '../runtime/durable-suite.js';
import { entitySuite } from '../runtime/entity-suite.js';
import { useDynamoTable } from '../support/dynalite.js';

const dynamo = useDynamoTable('runtime');

const stores = async () => {
  const options = { client: dynamo.client, tableName: dynamo.tableName };
  return {
    journal: new DynamoDbJournal(options),
    snapshotStore: new DynamoDbSnapshotStore(options),
    durableStateStore: new DynamoDbDurableStateStore(options),
  };
};

entitySuite('dynamodb', stores, { propertyRuns: 10 });
durableEntitySuite('dynamodb', stores);
// dynalite answers in milliseconds where PostgreSQL answers in tenths of one: fewer runs of
// the property tests keep the file inside the fast tier's time.
machineSuite('dynamodb', stores, { propertyRuns: 10 });
