/**
 * Smoke test of the peers (`npx tsx bench/peers/smoke.ts`, from the repository root):
 * per peer, appends 10k events in 100-event batches to one stream, checks that a stale
 * expected version is rejected, loads the stream back and prints events/s and load ms.
 * Env: MEMENTO_PG_URL (default postgres://postgres@127.0.0.1:5432/test),
 * SMOKE_EVENTS (default 10000), SMOKE_BATCH (default 100).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeers } from './index.js';
import type { PeerEvent } from './peer.js';

const pgUrl = process.env.MEMENTO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const total = Number(process.env.SMOKE_EVENTS ?? 10_000);
const batch = Number(process.env.SMOKE_BATCH ?? 100);
const sqliteDir = mkdtempSync(join(tmpdir(), 'memento-peers-'));

const event = (n: number): PeerEvent => ({
  type: 'item-added',
  data: { sku: `sku-${n % 97}`, quantity: n % 5, note: 'benchmark event of typical size' },
});

let failed = false;
try {
  const peers = await createPeers({ pgUrl, sqliteDir });
  for (const peer of peers) {
    try {
      await peer.setup();
      await peer.setup(); // idempotent
      const stream = `smoke-${Date.now()}`;
      const started = performance.now();
      for (let at = 0; at < total; at += batch) {
        const events = Array.from({ length: Math.min(batch, total - at) }, (_, k) => event(at + k + 1));
        await peer.append(stream, events, at);
      }
      const appendMs = performance.now() - started;

      let rejected = false;
      try {
        await peer.append(stream, [event(0)], total - 1);
      } catch {
        rejected = true;
      }

      const loadStarted = performance.now();
      const count = await peer.load(stream);
      const loadMs = performance.now() - loadStarted;
      const ok = count === total && rejected;
      if (!ok) failed = true;
      console.log(
        `${peer.name.padEnd(28)} append ${Math.round(total / (appendMs / 1000))
          .toLocaleString('en-US')
          .padStart(7)} events/s (${batch}-event batches)   load ${total} events ${loadMs.toFixed(1).padStart(7)} ms` +
          `   ${ok ? 'ok' : `FAILED (count ${count}, stale write rejected: ${rejected})`}`,
      );
    } catch (error) {
      failed = true;
      console.log(`${peer.name}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      await peer.teardown().catch((error: unknown) => console.log(`${peer.name}: teardown failed: ${String(error)}`));
    }
  }
} finally {
  rmSync(sqliteDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
