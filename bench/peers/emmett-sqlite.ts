/**
 * Emmett SQLite peer. The adapter itself is bench/peers-sqlite/emmett-sqlite.ts, next to its
 * own node_modules (separate install: see README.md); this module only loads it, so that a
 * missing bench/peers-sqlite install is reported instead of breaking the other peers.
 */
import type { PeerEventStore, PeerOptions } from './peer.js';

export async function createEmmettSqlitePeer(options: Pick<PeerOptions, 'sqliteDir'> & { fileName?: string }): Promise<PeerEventStore> {
  const module = await import('../peers-sqlite/emmett-sqlite.js');
  return module.createEmmettSqlitePeer(options);
}
