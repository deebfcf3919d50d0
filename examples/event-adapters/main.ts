/**
 * Schema evolution with event and snapshot adapters: version 1 of the cart writes events
 * and a snapshot; version 2 recovers them through its adapters and carries on.
 * Run: `npx tsx examples/event-adapters/main.ts`.
 */
import { pathToFileURL } from 'node:url';
import { createPersistence, type Journal, MemoryJournal, MemorySnapshotStore, type SnapshotStore } from '../../src/index.js';
import { CartV1 } from './cart-v1.js';
import { Cart, type CartState } from './cart-v2.js';

/** Writes with version 1, recovers with version 2; returns both carts' states as version 2 sees them. */
export async function main(
  print: (line: string) => void = console.log,
  stores: { journal: Journal; snapshotStore: SnapshotStore } = { journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() },
): Promise<{ fromEvents: CartState; fromSnapshot: CartState }> {
  // Yesterday: version 1 in production.
  const before = createPersistence(stores);
  const a = before.entity(CartV1, 'a');
  await a.ask({ type: 'add', item: { name: 'Green Tea', price: 4.5 } });
  await a.ask({
    type: 'addMany',
    items: [
      { name: 'Mug', price: 12 },
      { name: 'Honey', price: 7.25 },
    ],
  });
  const b = before.entity(CartV1, 'b');
  await b.ask({ type: 'add', item: { name: 'Kettle', price: 39.99 } });
  await b.ask({ type: 'snapshot' });
  await before.idle();
  // Today: version 2 recovers the same ids. Both journals and the snapshot were written by version 1.
  // (`before` is dropped, not closed: closing would close the shared stores.)
  const after = createPersistence(stores);
  const cartA = after.entity(Cart, 'a');
  const cartB = after.entity(Cart, 'b');
  await cartA.ask({ type: 'add', line: { sku: 'spoon', quantity: 2, priceCents: 150 } });
  const fromEvents = await cartA.ask<CartState>({ type: 'get' });
  const fromSnapshot = await cartB.ask<CartState>({ type: 'get' });
  print(
    `cart a (v1 events upcast, one split in two): ${fromEvents.lines.map((l) => `${l.quantity}x ${l.sku}@${l.priceCents}`).join(', ')}`,
  );
  print(`cart b (v1 snapshot migrated): ${fromSnapshot.lines.map((l) => `${l.quantity}x ${l.sku}@${l.priceCents}`).join(', ')}`);
  await after.close();
  return { fromEvents, fromSnapshot };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
