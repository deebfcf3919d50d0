/** The runtime's examples (examples/event-adapters, examples/delivery) run and show what their docs say. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main as deliveryMain } from '../../examples/delivery/main.js';
import { main as eventAdaptersMain } from '../../examples/event-adapters/main.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/index.js';

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
