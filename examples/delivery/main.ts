/**
 * At-least-once delivery across a restart: process 1 places orders while the shipping
 * service loses some confirmations, then goes away with deliveries unconfirmed; process 2
 * recovers the order desk from the same stores and redelivers until every order shipped.
 * Run: `npx tsx examples/delivery/main.ts` (about two seconds of real redelivery time).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { type ActorRef, createPersistence, type Journal, MemoryJournal, MemorySnapshotStore, type SnapshotStore } from '../../src/index.js';
import { OrderDesk, type ShipOrder } from './order-desk.js';

/** Stores shared by both "processes" (in production: SQLite or PostgreSQL); closing a runtime leaves them open. */
function shared<T extends Journal | SnapshotStore>(store: T): T {
  return new Proxy(store, {
    get: (target, key) => {
      if (key === 'close') return async () => {};
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** What the run observed. */
export interface DeliveryRun {
  /** Orders shipped, each once (the service deduplicates by order id). */
  readonly shipped: readonly string[];
  /** Messages the service received, duplicates included. */
  readonly received: number;
  /** Deliveries unconfirmed when process 1 went away. */
  readonly unconfirmedAtRestart: number;
}

/** Runs both processes; `wait(ms)` lets tests drive time with fake timers. */
export async function main(
  print: (line: string) => void = console.log,
  wait: (ms: number) => Promise<unknown> = sleep,
): Promise<DeliveryRun> {
  const journal = shared(new MemoryJournal());
  const snapshotStore = shared(new MemorySnapshotStore());
  const options = { redeliverInterval: 200, warnAfterNumberOfUnconfirmedAttempts: 3 };
  const shipped = new Set<string>();
  let received = 0;
  let desk!: ActorRef;
  // The shipping service: idempotent by order id, and it loses every third confirmation once.
  const lost = new Set<number>();
  const shipping = async (message: ShipOrder) => {
    received++;
    shipped.add(message.orderId);
    if (message.deliveryId % 3 === 0 && !lost.has(message.deliveryId)) {
      lost.add(message.deliveryId);
      return;
    }
    desk.tell({ type: 'shipped', deliveryId: message.deliveryId });
  };

  const first = createPersistence({ journal, snapshotStore });
  desk = first.actorOf(() => new OrderDesk(shipping, options));
  for (let n = 1; n <= 9; n++) await desk.ask({ type: 'place', orderId: `order-${n}` });
  await wait(0);
  const unconfirmedAtRestart = await desk.ask<number>({ type: 'pending' });
  print(`process 1: placed 9 orders, ${unconfirmedAtRestart} not confirmed yet; going away`);
  await first.close();

  const second = createPersistence({ journal, snapshotStore });
  desk = second.actorOf(() => new OrderDesk(shipping, options));
  for (let n = 10; n <= 12; n++) await desk.ask({ type: 'place', orderId: `order-${n}` });
  while ((await desk.ask<number>({ type: 'pending' })) > 0) await wait(100);
  print(`process 2: every order confirmed; shipped ${shipped.size} orders from ${received} messages`);
  await second.close();
  return { shipped: [...shipped].sort((a, b) => Number(a.slice(6)) - Number(b.slice(6))), received, unconfirmedAtRestart };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
