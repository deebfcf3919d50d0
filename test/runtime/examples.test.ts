/** The runtime's examples (examples/event-adapters, examples/delivery) run and show what their docs say. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main as deliveryMain } from '../../examples/delivery/main.js';
import { Cart } from '../../examples/event-adapters/cart-v2.js';
import { main as eventAdaptersMain } from '../../examples/event-adapters/main.js';
import { MemoryJournal, MemorySnapshotStore, SnapshotSelectionCriteria } from '../../src/index.js';
import { eventSourcedTestKit } from '../../src/testkit/index.js';

describe('example: event adapters', () => {
  it('version 2 recovers version 1 events (upcast, one split in two) and a version 1 snapshot (migrated)', async () => {
    const journal = new MemoryJournal();
    const lines: string[] = [];
    const { fromEvents, fromSnapshot } = await eventAdaptersMain((line) => lines.push(line), {
      journal,
      snapshotStore: new MemorySnapshotStore(),
    });
    expect(fromEvents.lines).toEqual([
      { sku: 'green-tea', quantity: 1, priceCents: 450 },
      { sku: 'mug', quantity: 1, priceCents: 1200 },
      { sku: 'honey', quantity: 1, priceCents: 725 },
      { sku: 'spoon', quantity: 2, priceCents: 150 },
    ]);
    expect(fromSnapshot.lines).toEqual([{ sku: 'kettle', quantity: 1, priceCents: 3999 }]);
    expect(lines).toHaveLength(2);
  });
});

describe('example: event adapters, version 2 cart under the test kit', () => {
  it('persists line-added events in the version 2 form, replies with the count and recovers from its snapshot', async () => {
    const kit = eventSourcedTestKit(Cart, { entityId: 'kit' });
    try {
      const added = await kit.run({ type: 'add', line: { sku: 'tea', quantity: 2, priceCents: 450 } });
      expect(added.events).toEqual([{ type: 'line-added', line: { sku: 'tea', quantity: 2, priceCents: 450 } }]);
      expect(added.reply).toBe(1);
      await kit.run({ type: 'snapshot' });
      await kit.run({ type: 'add', line: { sku: 'mug', quantity: 1, priceCents: 1200 } });
      expect((await kit.restart()).lines.map((line) => line.sku)).toEqual(['tea', 'mug']);
      expect((await kit.snapshotStore.load('cart|kit', SnapshotSelectionCriteria.Latest))?.metadata.sequenceNr).toBe(1);
    } finally {
      await kit.close();
    }
  });
});

describe('example: at-least-once delivery', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('process 2 redelivers what process 1 left unconfirmed, until every order shipped', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const run = await deliveryMain(
      (line) => lines.push(line),
      (ms) => vi.advanceTimersByTimeAsync(ms),
    );
    expect(run.unconfirmedAtRestart).toBe(3);
    expect(run.shipped).toEqual(Array.from({ length: 12 }, (_, i) => `order-${i + 1}`));
    expect(run.received).toBe(16);
    expect(lines).toEqual([
      'process 1: placed 9 orders, 3 not confirmed yet; going away',
      'process 2: every order confirmed; shipped 12 orders from 16 messages',
    ]);
  });
});
