/**
 * Emmett (@event-driven-io/emmett-postgresql) as a peer: the library's own event store API,
 * exactly as its users call it — `getPostgreSQLEventStore(url)`, `appendToStream` with
 * `expectedStreamVersion`, `aggregateStream` with `evolve`/`initialState`, `close()`.
 *
 * Emmett has no option to put its tables in a schema of our choosing (it creates `emt_*`
 * tables and functions in the connection's default schema), so the peer works in a
 * database of its own on the same server, created in setup and dropped in teardown.
 */
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { type FoldState, foldStep, initialFold, type PeerEvent, type PeerEventStore, type PeerOptions } from './peer.js';
import { benchNodeModules, createDatabaseIfMissing, dropDatabase, packageVersion, withDatabase } from './support.js';

type BenchEvent = { type: string; data: Record<string, unknown> };

export const EMMETT_POSTGRES_DATABASE = 'memento_bench_emmett';

export function createEmmettPostgresPeer(options: Pick<PeerOptions, 'pgUrl'> & { database?: string }): PeerEventStore {
  const database = options.database ?? EMMETT_POSTGRES_DATABASE;
  const url = withDatabase(options.pgUrl, database);
  let store: PostgresEventStore | undefined;

  const opened = (): PostgresEventStore => {
    if (!store) throw new Error('emmett-postgresql peer: setup() first');
    return store;
  };

  return {
    name: `emmett-postgresql ${packageVersion(benchNodeModules, '@event-driven-io/emmett-postgresql')}`,

    async setup() {
      await createDatabaseIfMissing(options.pgUrl, database);
      store ??= getPostgreSQLEventStore(url);
      // Emmett would migrate on first use; do it here so that no timed call pays for it.
      await store.schema.migrate();
    },

    async append(streamId: string, events: readonly PeerEvent[], expectedVersion: number) {
      await opened().appendToStream<BenchEvent>(streamId, events as BenchEvent[], {
        expectedStreamVersion: BigInt(expectedVersion),
      });
    },

    async load(streamId: string) {
      const { state } = await opened().aggregateStream<FoldState, BenchEvent>(streamId, {
        initialState: initialFold,
        evolve: (state: FoldState, event: BenchEvent) => foldStep(state, event.data),
      });
      return state.count;
    },

    async teardown() {
      if (store) {
        const closing = store;
        store = undefined;
        await closing.close();
      }
      await dropDatabase(options.pgUrl, database);
    },
  };
}
