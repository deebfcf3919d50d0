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

/** Labels of every peer the benchmark compares against, whether or not it loads here. */
export const peerLabels: readonly string[] = factories.map(([label]) => label);

/** Why a peer did not load, and how to install it. */
export interface UnavailablePeer {
  readonly label: string;
  readonly reason: string;
  readonly hint: string;
}

/**
 * Creates the peers that load; setup() is left to the caller. Each one that does not load
 * is passed to `onUnavailable` (by default a console line), so that a report can say which
 * peer is missing and why instead of leaving its rows out silently.
 */
export async function createPeers(
  options: PeerOptions,
  onUnavailable: (peer: UnavailablePeer) => void = ({ label, reason, hint }) =>
    console.log(`peer ${label} unavailable (${reason}); install with: ${hint}`),
): Promise<PeerEventStore[]> {
  const peers: PeerEventStore[] = [];
  for (const [label, factory, hint] of factories) {
    try {
      peers.push(await factory(options));
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      onUnavailable({ label, reason, hint });
    }
  }
  return peers;
}
