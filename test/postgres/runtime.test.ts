/** The entity, durable-entity and machine suites on PostgreSQL: the same checks as on memory, not copies. */
import { PostgresDurableStateStore, PostgresJournal, PostgresSnapshotStore } from '../../src/postgres/index.js';
import { machineSuite } from '../machine/machine-suite.js';
import { durableEntitySuite } from '../runtime/durable-suite.js';
import { entitySuite } from '../runtime/entity-suite.js';
import { useSchema } from './support.js';

const pg = useSchema('runtime');

const stores = async () => ({
  journal: new PostgresJournal({ pool: pg.pool, schema: pg.schema }),
  snapshotStore: new PostgresSnapshotStore({ pool: pg.pool, schema: pg.schema }),
  durableStateStore: new PostgresDurableStateStore({ pool: pg.pool, schema: pg.schema }),
});

entitySuite('postgres', stores, { propertyRuns: 15 });
durableEntitySuite('postgres', stores);
machineSuite('postgres', stores);
