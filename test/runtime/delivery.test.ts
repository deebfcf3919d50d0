/** At-least-once delivery on classic actors, with fake timers (memory stores). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ActorRef,
  type AtLeastOnceDeliveryOptions,
  createPersistence,
  type DeliveryDestination,
  ErrorCodes,
  isMementoError,
  MaxUnconfirmedMessagesExceededError,
  MemoryJournal,
  MemorySnapshotStore,
  type Persistence,
} from '../../src/index.js';
import { ledger, ledgerLog } from './support/ledger-actor.js';
import { RecordingLogger } from './support/recording-logger.js';
import { type Delivered, SenderActor, type SenderLog, senderLog } from './support/sender-actor.js';

type Status = { unconfirmed: number; snapshot: { currentDeliveryId: number; unconfirmedDeliveries: unknown[] } };

function stores() {
  return { journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() };
}

function spawnSender(
  persistence: Persistence,
  destinations: Record<string, DeliveryDestination>,
  options: AtLeastOnceDeliveryOptions = { redeliverInterval: 1000 },
  log: SenderLog = senderLog(),
  id = 'sender',
): ActorRef {
  return persistence.actorOf(() => new SenderActor(id, destinations, options, log));
}

describe('at-least-once delivery', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers at once and redelivers every redeliverInterval until confirmed', async () => {
    const persistence = createPersistence(stores());
    const received: Delivered[] = [];
    const sender = spawnSender(persistence, { receiver: async (m) => void received.push(m as Delivered) });
    expect(await sender.ask({ type: 'send', payload: 'a' })).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toEqual([{ deliveryId: 1, payload: 'a' }]);
    await vi.advanceTimersByTimeAsync(999);
    expect(received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(received).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(received).toHaveLength(4);
    expect(await sender.ask({ type: 'confirm', deliveryId: 1 })).toBe(true);
    expect(await sender.ask({ type: 'confirm', deliveryId: 1 })).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(received).toHaveLength(4);
    expect(await sender.ask<Status>({ type: 'status' })).toEqual({
      unconfirmed: 0,
      snapshot: { currentDeliveryId: 1, unconfirmedDeliveries: [] },
    });
    await persistence.close();
  });

  it('delivers to another actor reference with tell; the receiver confirms back', async () => {
    const persistence = createPersistence(stores());
    const log = ledgerLog();
    const receiverRef = persistence.actorOf(ledger('receiver', log));
    let sender: ActorRef | undefined;
    // A destination that forwards to the ledger actor and confirms once the ledger stored it.
    const destinations: Record<string, DeliveryDestination> = {
      receiver: {
        tell: (m) =>
          void receiverRef
            .ask({ type: 'add', amount: (m as Delivered).deliveryId })
            .then(() => sender?.tell({ type: 'confirm', deliveryId: (m as Delivered).deliveryId })),
      },
    };
    sender = spawnSender(persistence, destinations);
    await sender.ask({ type: 'send', payload: 'x' });
    await sender.ask({ type: 'send', payload: 'y' });
    await vi.advanceTimersByTimeAsync(0);
    await persistence.idle();
    expect(await sender.ask<Status>({ type: 'status' })).toMatchObject({ unconfirmed: 0 });
    expect(await receiverRef.ask({ type: 'get' })).toEqual({ total: 3, entries: [1, 2] });
    await persistence.close();
  });

  it('redeliveryBurstLimit caps each round, oldest first', async () => {
    const persistence = createPersistence(stores());
    const received: number[] = [];
    const sender = spawnSender(
      persistence,
      { receiver: (m) => void received.push((m as Delivered).deliveryId) },
      { redeliverInterval: 1000, redeliveryBurstLimit: 2 },
    );
    for (const payload of ['a', 'b', 'c', 'd', 'e']) await sender.ask({ type: 'send', payload });
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toEqual([1, 2, 3, 4, 5]);
    received.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(500);
    expect(received).toEqual([1, 2, 3, 4]);
    await persistence.close();
  });

  it('sends an UnconfirmedWarning to receiveCommand once a delivery reaches warnAfterNumberOfUnconfirmedAttempts', async () => {
    const persistence = createPersistence(stores());
    const log = senderLog();
    const sender = spawnSender(
      persistence,
      { receiver: () => {} },
      { redeliverInterval: 1000, warnAfterNumberOfUnconfirmedAttempts: 3 },
      log,
    );
    await sender.ask({ type: 'send', payload: 'a' });
    await vi.advanceTimersByTimeAsync(1000);
    await sender.ask({ type: 'send', payload: 'b' });
    await vi.advanceTimersByTimeAsync(1000);
    await persistence.idle();
    expect(log.warnings).toEqual([
      {
        type: 'UnconfirmedWarning',
        unconfirmedDeliveries: [{ deliveryId: 1, destination: 'receiver', message: { deliveryId: 1, payload: 'a' }, attempt: 3 }],
      },
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    await persistence.idle();
    expect(log.warnings.map((w) => w.unconfirmedDeliveries.map((d) => d.deliveryId))).toEqual([[1], [2]]);
    await vi.advanceTimersByTimeAsync(5000);
    await persistence.idle();
    expect(log.warnings).toHaveLength(2);
    await persistence.close();
  });

  it('deliver fails with MaxUnconfirmedMessagesExceededError beyond maxUnconfirmedMessages; nothing is sent', async () => {
    const persistence = createPersistence(stores());
    const received: Delivered[] = [];
    const sender = spawnSender(persistence, { receiver: (m) => void received.push(m as Delivered) }, { maxUnconfirmedMessages: 2 });
    expect(await sender.ask({ type: 'deliverNow', payload: 'a' })).toBe(1);
    expect(await sender.ask({ type: 'deliverNow', payload: 'b' })).toBe(2);
    const error = await sender.ask({ type: 'deliverNow', payload: 'c' });
    expect(error).toBeInstanceOf(MaxUnconfirmedMessagesExceededError);
    expect(isMementoError(error, ErrorCodes.maxUnconfirmedMessagesExceeded)).toBe(true);
    expect((error as Error).message).toMatch(
      /actor "sender": 3 unconfirmed deliveries would exceed maxUnconfirmedMessages 2; nothing was delivered to "receiver"/,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((m) => m.payload)).toEqual(['a', 'b']);
    await persistence.close();
  });

  it('replay restores deliveries beyond a lowered maxUnconfirmedMessages; only new deliveries are refused', async () => {
    const { journal, snapshotStore } = stores();
    const first = createPersistence({ journal, snapshotStore });
    const sender = spawnSender(first, { receiver: () => {} });
    for (const payload of ['a', 'b', 'c']) await sender.ask({ type: 'send', payload });
    await first.idle();
    vi.clearAllTimers();
    const again = createPersistence({ journal, snapshotStore });
    const recovered = spawnSender(again, { receiver: () => {} }, { maxUnconfirmedMessages: 2 });
    expect(await recovered.ask<Status>({ type: 'status' })).toMatchObject({ unconfirmed: 3 });
    expect(await recovered.ask({ type: 'deliverNow', payload: 'd' })).toBeInstanceOf(MaxUnconfirmedMessagesExceededError);
    await again.close();
  });

  it('a destination that fails or cannot be resolved is logged and retried at the next round', async () => {
    const logger = new RecordingLogger();
    const persistence = createPersistence({ ...stores(), logger });
    let calls = 0;
    const sender = spawnSender(persistence, {
      flaky: async () => {
        calls++;
        throw new Error('receiver down');
      },
    });
    await sender.ask({ type: 'send', payload: 'a', to: 'flaky' });
    await sender.ask({ type: 'send', payload: 'b', to: 'nowhere' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    const warnings = logger.find('warn', 'delivery failed');
    expect(warnings.map((line) => line.fields?.error)).toEqual(
      expect.arrayContaining([expect.stringMatching(/receiver down/), expect.stringMatching(/no destination nowhere/)]),
    );
    await persistence.close();
  });

  it('replay re-creates the delivery state; recovery redelivers every unconfirmed delivery at once', async () => {
    const { journal, snapshotStore } = stores();
    const received: Delivered[] = [];
    const destinations = { receiver: (m: unknown) => void received.push(m as Delivered) };
    const first = createPersistence({ journal, snapshotStore });
    const sender = spawnSender(first, destinations);
    for (const payload of ['a', 'b', 'c']) await sender.ask({ type: 'send', payload });
    await sender.ask({ type: 'confirm', deliveryId: 2 });
    await first.idle();
    vi.clearAllTimers(); // the first runtime is gone (closing it would close the shared stores)
    received.length = 0;
    const again = createPersistence({ journal, snapshotStore });
    const log = senderLog();
    const recovered = spawnSender(again, destinations, undefined, log);
    expect(await recovered.ask<Status>({ type: 'status' })).toMatchObject({ unconfirmed: 2, snapshot: { currentDeliveryId: 3 } });
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((m) => m.deliveryId)).toEqual([1, 3]);
    expect(log.confirmations).toEqual([true]);
    expect(await recovered.ask({ type: 'send', payload: 'd' })).toBe(4);
    await again.close();
  });

  it('the delivery snapshot is plain data kept in the actor snapshot, and restored from it', async () => {
    const { journal, snapshotStore } = stores();
    const received: Delivered[] = [];
    const destinations = { receiver: (m: unknown) => void received.push(m as Delivered) };
    const first = createPersistence({ journal, snapshotStore });
    const sender = spawnSender(first, destinations);
    for (const payload of ['a', 'b']) await sender.ask({ type: 'send', payload });
    await sender.ask({ type: 'confirm', deliveryId: 1 });
    expect(await sender.ask({ type: 'snapshot' })).toMatchObject({ type: 'SaveSnapshotSuccess', metadata: { sequenceNr: 3 } });
    await sender.ask({ type: 'send', payload: 'c' });
    await first.idle();
    vi.clearAllTimers(); // the first runtime is gone (closing it would close the shared stores)
    const stored = await snapshotStore.load('sender', { maxSequenceNr: 3 } as never);
    expect(stored?.snapshot).toEqual({
      delivery: {
        currentDeliveryId: 2,
        unconfirmedDeliveries: [{ deliveryId: 2, destination: 'receiver', message: { deliveryId: 2, payload: 'b' } }],
      },
    });
    received.length = 0;
    const again = createPersistence({ journal, snapshotStore });
    const recovered = spawnSender(again, destinations);
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((m) => m.payload)).toEqual(['b', 'c']);
    expect(await recovered.ask<Status>({ type: 'status' })).toMatchObject({ unconfirmed: 2, snapshot: { currentDeliveryId: 3 } });
    await again.close();
  });

  it('a stopped or passivated actor stops redelivering; its next incarnation takes over', async () => {
    const persistence = createPersistence({ ...stores(), passivation: { idleMs: 60_000 } });
    const received: Delivered[] = [];
    const sender = spawnSender(persistence, { receiver: (m) => void received.push(m as Delivered) });
    await sender.ask({ type: 'send', payload: 'a' });
    await sender.ask({ type: 'stop' });
    await vi.advanceTimersByTimeAsync(0);
    received.length = 0;
    await vi.advanceTimersByTimeAsync(5000);
    expect(received).toEqual([]);
    await sender.ask({ type: 'status' });
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((m) => m.payload)).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(received.map((m) => m.payload)).toEqual(['a', 'a']);
    await persistence.close();
  });

  it('redelivery timers are unref’d', async () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setInterval');
    const persistence = createPersistence(stores());
    const sender = spawnSender(persistence, { receiver: () => {} }, { redeliverInterval: 60_000 });
    await sender.ask({ type: 'send', payload: 'a' });
    const handles = spy.mock.results.map((result) => result.value as NodeJS.Timeout);
    spy.mockRestore();
    expect(handles.length).toBe(1);
    for (const handle of handles) expect(handle.hasRef()).toBe(false);
    await persistence.close();
  });

  it('validates options, addresses, delivery ids and snapshots', async () => {
    const persistence = createPersistence(stores());
    expect(() => spawnSender(persistence, {}, { redeliverInterval: 0 })).toThrow(
      /SenderActor.atLeastOnceDelivery \(persistence id "sender"\).redeliverInterval: expected an integer >= 1, found 0/,
    );
    class Probe extends SenderActor {
      override async receiveCommand(message: unknown): Promise<void> {
        const attempts: Record<string, () => unknown> = {
          address: () => this.deliver('', () => 1),
          fn: () => this.deliver('receiver', 1 as never),
          id: () => this.confirmDelivery(0),
          snapshot: () =>
            this.setDeliverySnapshot({ currentDeliveryId: 1, unconfirmedDeliveries: [{ deliveryId: 2, destination: 'r', message: 1 }] }),
          shape: () => this.setDeliverySnapshot(null as never),
        };
        try {
          attempts[message as string]?.();
          this.reply('ok');
        } catch (error) {
          this.reply((error as Error).message);
        }
      }
    }
    const probe = persistence.actorOf(() => new Probe('probe', {}, undefined));
    expect(await probe.ask('address')).toMatch(/destination \(persistence id "probe"\): expected a non-empty address string/);
    expect(await probe.ask('fn')).toMatch(/deliveryIdToMessage .*expected a function/);
    expect(await probe.ask('id')).toMatch(/deliveryId .*expected an integer >= 1, found 0/);
    expect(await probe.ask('snapshot')).toMatch(
      /snapshot.unconfirmedDeliveries\[0\].deliveryId .*expected at most currentDeliveryId 1, found 2/,
    );
    expect(await probe.ask('shape')).toMatch(/expected an AtLeastOnceDeliverySnapshot/);
    await persistence.close();
  });
});
