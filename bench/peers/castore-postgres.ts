/**
 * Castore (@castore/core + @castore/event-storage-adapter-postgres) as a peer.
 *
 * It goes through an `EventStore` from @castore/core, as Castore's users do (the storage
 * adapter is an implementation detail behind it): a batch is
 * `EventStore.pushEventGroup(...eventStore.groupEvent(...))` — the documented way to push
 * several events atomically, which the Postgres adapter runs as one transaction of one
 * INSERT per event — and a load is `eventStore.getAggregate(id)`, which folds the events
 * through the store's reducer.
 *
 * Optimistic concurrency: Castore has no "expected version" argument; each event carries
 * its own version (expectedVersion + 1, + 2, ...) and the table's
 * UNIQUE (aggregate_name, aggregate_id, version) rejects a conflicting write.
 *
 * The table is created with VARCHAR aggregate ids (the adapter's default is UUID, and the
 * benchmark's stream ids are free-form strings), in a database of its own on the same
 * server, created in setup and dropped in teardown.
 */
import { type Aggregate, type EventDetail, EventStore, EventType, type GroupedEvent } from '@castore/core';
import { PostgresEventStorageAdapter } from '@castore/event-storage-adapter-postgres';
import { foldStep, type PeerEvent, type PeerEventStore, type PeerOptions } from './peer.js';
import { benchNodeModules, createDatabaseIfMissing, dropDatabase, packageVersion, withDatabase } from './support.js';

export const CASTORE_POSTGRES_DATABASE = 'memento_bench_castore';
const TABLE = 'event';
const EVENT_STORE_ID = 'bench';

interface BenchAggregate extends Aggregate {
  count: number;
  sum: number;
}

const reducer = (aggregate: BenchAggregate | undefined, event: EventDetail): BenchAggregate => {
  const next = aggregate ?? { aggregateId: event.aggregateId, version: 0, count: 0, sum: 0 };
  foldStep(next, event.payload);
  next.version = event.version;
  return next;
};

export function createCastorePostgresPeer(options: Pick<PeerOptions, 'pgUrl'> & { database?: string }): PeerEventStore {
  const database = options.database ?? CASTORE_POSTGRES_DATABASE;
  const connectionString = withDatabase(options.pgUrl, database);
  let adapter: PostgresEventStorageAdapter | undefined;
  let store: EventStore | undefined;

  const opened = (): EventStore => {
    if (!store) throw new Error('castore peer: setup() first');
    return store;
  };

  return {
    name: `castore-postgres ${packageVersion(benchNodeModules, '@castore/event-storage-adapter-postgres')}`,

    async setup() {
      await createDatabaseIfMissing(options.pgUrl, database);
      await PostgresEventStorageAdapter.createEventTable({
        connectionString,
        tableName: TABLE,
        aggregateId: { type: 'VARCHAR', length: 255 },
      });
      adapter ??= new PostgresEventStorageAdapter({ connectionString, tableName: TABLE });
      store ??= new EventStore({
        eventStoreId: EVENT_STORE_ID,
        // Castore's event types only type the store (no runtime validation without a parser).
        eventTypes: [new EventType({ type: 'bench-event' })],
        reducer: reducer as unknown as EventStore['reducer'],
        eventStorageAdapter: adapter,
      });
    },

    async append(streamId: string, events: readonly PeerEvent[], expectedVersion: number) {
      const eventStore = opened();
      const detail = (event: PeerEvent, i: number) => ({
        aggregateId: streamId,
        version: expectedVersion + i + 1,
        type: event.type,
        payload: event.data,
      });
      const [first, ...more] = events;
      if (!first) return;
      if (more.length === 0) {
        await eventStore.pushEvent(detail(first, 0));
        return;
      }
      const [head, second, ...rest] = events.map((event, i): GroupedEvent => eventStore.groupEvent(detail(event, i)));
      await EventStore.pushEventGroup(head as GroupedEvent, second as GroupedEvent, ...rest);
    },

    async load(streamId: string) {
      const { aggregate } = await opened().getAggregate(streamId);
      return (aggregate as BenchAggregate | undefined)?.count ?? 0;
    },

    async teardown() {
      if (adapter) {
        // The adapter has no close(); its `postgres` client is a private field.
        const sql = (adapter as unknown as { _sql?: { end(options?: { timeout?: number }): Promise<void> } })._sql;
        adapter = undefined;
        store = undefined;
        await sql?.end({ timeout: 5 });
      }
      await dropDatabase(options.pgUrl, database);
    },
  };
}
