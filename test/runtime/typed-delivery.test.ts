/** At-least-once delivery on typed entities: the state keeps the deliveries, the runtime sends them (fake timers). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ActorRef,
  createPersistence,
  Deliveries,
  defineEntity,
  MaxUnconfirmedMessagesExceededError,
  MemoryJournal,
  MemorySnapshotStore,
  type Signal,
} from '../../src/index.js';
import { ProcessStores } from './support/killable-stores.js';
import { type OutboxMessage, type OutboxState, outbox } from './support/outbox.js';

function stores() {
  return { journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() };
}

describe('at-least-once delivery (typed)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a delivery once its event is stored and redelivers it until a confirmation is stored', async () => {
    const persistence = createPersistence(stores());
    const received: OutboxMessage[] = [];
    const ref = persistence.entity(outbox({ receiver: async (m) => void received.push(m as OutboxMessage) }), 'o');
    expect(await ref.ask({ type: 'send', payload: 'a' })).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toEqual([{ deliveryId: 1, payload: 'a' }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toHaveLength(2);
    expect(await ref.ask({ type: 'confirm', deliveryId: 1 })).toBe(true);
    expect(await ref.ask({ type: 'confirm', deliveryId: 1 })).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(received).toHaveLength(2);
    expect(await ref.ask<OutboxState>({ type: 'get' })).toEqual({ outbox: { currentDeliveryId: 1, unconfirmedDeliveries: [] } });
    await persistence.close();
  });

  it('after recovery (replay or snapshot) every unconfirmed delivery is sent at once', async () => {
    const { journal, snapshotStore } = stores();
    const received: OutboxMessage[] = [];
    const destinations = { receiver: (m: unknown) => void received.push(m as OutboxMessage) };
    const first = createPersistence({ journal, snapshotStore });
    const ref = first.entity(outbox(destinations), 'o');
    await ref.ask({ type: 'sendMany', payloads: ['a', 'b'] });
    await ref.ask({ type: 'confirm', deliveryId: 1 });
    await ref.ask({ type: 'snapshot' });
    await ref.ask({ type: 'send', payload: 'c' });
    await first.idle();
    vi.clearAllTimers(); // the first runtime is gone
    received.length = 0;
    const signals: Signal[] = [];
    const again = createPersistence({ journal, snapshotStore }).entity(outbox(destinations, undefined, signals), 'o');
    await again.ask({ type: 'get' });
    expect(signals.find((s) => s.type === 'RecoveryCompleted')).toMatchObject({ snapshotSequenceNr: 3, replayed: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((m) => m.payload)).toEqual(['b', 'c']);
  });

  it('a command whose events would exceed maxUnconfirmedMessages is refused; nothing is stored', async () => {
    const { journal, snapshotStore } = stores();
    const persistence = createPersistence({ journal, snapshotStore });
    const ref = persistence.entity(outbox({ receiver: () => {} }, { maxUnconfirmedMessages: 3 }), 'o');
    await ref.ask({ type: 'sendMany', payloads: ['a', 'b'] });
    const error = await ref.ask({ type: 'sendMany', payloads: ['c', 'd'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxUnconfirmedMessagesExceededError);
    expect((error as Error).message).toMatch(
      /entity "outbox\|o": 4 unconfirmed deliveries would exceed maxUnconfirmedMessages 3; the command was refused and nothing was stored/,
    );
    expect(await journal.highestSequenceNr('outbox|o')).toBe(2);
    expect(await ref.ask({ type: 'send', payload: 'c' })).toBe(3);
    expect(await ref.ask({ type: 'confirm', deliveryId: 1 })).toBe(true);
    await persistence.close();
  });

  it('signals UnconfirmedWarning once a delivery reaches warnAfterNumberOfUnconfirmedAttempts', async () => {
    const persistence = createPersistence(stores());
    const signals: Signal[] = [];
    const ref = persistence.entity(
      outbox({ receiver: () => {} }, { redeliverInterval: 1000, warnAfterNumberOfUnconfirmedAttempts: 2 }, signals),
      'o',
    );
    await ref.ask({ type: 'send', payload: 'a' });
    await vi.advanceTimersByTimeAsync(5000);
    await persistence.idle();
    expect(signals.filter((s) => s.type === 'UnconfirmedWarning')).toEqual([
      {
        type: 'UnconfirmedWarning',
        unconfirmedDeliveries: [{ deliveryId: 1, destination: 'receiver', message: { deliveryId: 1, payload: 'a' }, attempt: 2 }],
      },
    ]);
    await persistence.close();
  });

  it('a stopped entity stops redelivering until its next command recovers it', async () => {
    const persistence = createPersistence(stores());
    const received: OutboxMessage[] = [];
    const ref = persistence.entity(outbox({ receiver: (m) => void received.push(m as OutboxMessage) }), 'o');
    await ref.ask({ type: 'send', payload: 'a' });
    await ref.ask({ type: 'stop' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(received).toHaveLength(1);
    await ref.ask({ type: 'get' });
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toHaveLength(2);
    await persistence.close();
  });

  it('survives being killed mid-stream: every message confirmed, duplicates only while unconfirmed', async () => {
    const journal = new MemoryJournal();
    const snapshotStore = new MemorySnapshotStore();
    const stored = new Set<number>();
    const violations: string[] = [];
    const payloads = new Set<string>();
    let ref!: ActorRef;
    let turn = 0;
    const receiver = async (message: unknown) => {
      const { deliveryId, payload } = message as OutboxMessage;
      if (stored.has(deliveryId)) violations.push(`${deliveryId} received after its confirmation was stored`);
      payloads.add(payload);
      if (++turn % 3 === 0) return; // a lost confirmation
      await ref.ask({ type: 'confirm', deliveryId }).then(
        () => stored.add(deliveryId),
        () => {},
      );
    };
    const spawn = () => {
      const process = new ProcessStores(journal, snapshotStore);
      ref = createPersistence({ journal: process.journal, snapshotStore: process.snapshotStore }).entity(outbox({ receiver }), 'o');
      return process;
    };
    let process = spawn();
    for (let i = 0; i < 30; i++) {
      await ref.ask({ type: 'send', payload: `m${i}` });
      if (i % 8 === 7) await ref.ask({ type: 'snapshot' });
      await vi.advanceTimersByTimeAsync(300);
      if (i === 12 || i === 21) {
        vi.advanceTimersByTime(1000); // a redelivery round is in flight
        process.kill();
        vi.clearAllTimers();
        await vi.advanceTimersByTimeAsync(0);
        process = spawn();
      }
    }
    for (let round = 0; round < 100; round++) {
      await vi.advanceTimersByTimeAsync(1000);
      if ((await ref.ask<OutboxState>({ type: 'get' })).outbox.unconfirmedDeliveries.length === 0) break;
    }
    expect(violations).toEqual([]);
    expect((await ref.ask<OutboxState>({ type: 'get' })).outbox).toEqual({ currentDeliveryId: 30, unconfirmedDeliveries: [] });
    expect(payloads.size).toBe(30);
  });

  it('validates the option and the Deliveries helpers', () => {
    const base = outbox({});
    expect(() => defineEntity({ ...base, atLeastOnceDelivery: { ...base.atLeastOnceDelivery, deliveries: 1 } as never })).toThrow(
      /options.atLeastOnceDelivery.deliveries: expected a function/,
    );
    expect(() => defineEntity({ ...base, atLeastOnceDelivery: { ...base.atLeastOnceDelivery, redeliverInterval: 0 } as never })).toThrow(
      /options.atLeastOnceDelivery.redeliverInterval: expected an integer >= 1/,
    );
    expect(() => Deliveries.deliver(Deliveries.empty, '', () => 1)).toThrow(/destination: expected a non-empty address string/);
    expect(() => Deliveries.confirm(Deliveries.empty, 0)).toThrow(/deliveryId: expected an integer >= 1/);
    const one = Deliveries.deliver(Deliveries.empty, 'r', (id) => ({ id }));
    expect(one).toEqual({ currentDeliveryId: 1, unconfirmedDeliveries: [{ deliveryId: 1, destination: 'r', message: { id: 1 } }] });
    expect(Deliveries.confirm(one, 2)).toBe(one);
    expect(Deliveries.confirm(one, 1)).toEqual({ currentDeliveryId: 1, unconfirmedDeliveries: [] });
  });
});
