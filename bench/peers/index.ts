/**
 * The peers bench/run.ts compares Memento's journals against. `createPeers` returns those
 * whose libraries loaded, and says on the console why any other is missing.
 */
import type { PeerEventStore, PeerOptions } from './peer.js';

export type { PeerEvent, PeerEventStore, PeerOptions } from './peer.js';

type Factory = (options: PeerOptions) => Promise<PeerEventStore>;

const factories: ReadonlyArray<readonly [label: string, factory: Factory, hint: string]> = [
  [
    'emmett-postgresql',
    async (options) => (await import('./emmett-postgres.js')).createEmmettPostgresPeer(options),
    'npm ci --prefix bench',
  ],
  [
    'castore-postgres',
    async (options) => (await import('./castore-postgres.js')).createCastorePostgresPeer(options),
    'npm ci --prefix bench',
  ],
  [
    'emmett-sqlite',
    async (options) => (await import('./emmett-sqlite.js')).createEmmettSqlitePeer(options),
    'npm ci --prefix bench/peers-sqlite (compiles sqlite3 from source)',
  ],
];

/** Creates the peers that load; setup() is left to the caller. */
export async function createPeers(options: PeerOptions): Promise<PeerEventStore[]> {
  const peers: PeerEventStore[] = [];
  for (const [label, factory, hint] of factories) {
    try {
      peers.push(await factory(options));
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      console.log(`peer ${label} unavailable (${message}); install with: ${hint}`);
    }
  }
  return peers;
}
