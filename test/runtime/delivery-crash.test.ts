/**
 * At-least-once delivery across crashes: a sender persists what it sends, a receiver
 * confirms (or loses its confirmation), and the sender's process is killed mid-stream and
 * recovered on the same stores, more than once. Every accepted message is confirmed in
 * the end, and a message is received again only while its confirmation was not stored.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ActorRef, createPersistence, MemoryJournal, MemorySnapshotStore } from '../../src/index.js';
import { ProcessStores } from './support/killable-stores.js';
import { type Delivered, SenderActor } from './support/sender-actor.js';

/** A small deterministic random source (LCG), so every run replays the same scenario. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Outcome {
  readonly accepted: string[];
  readonly receivedPayloads: Set<string>;
  readonly duplicates: number;
  readonly violations: string[];
  readonly unconfirmed: number;
  /** Confirmations the receiver sent that a dying process never stored. */
  readonly lostInCrash: number;
}

async function scenario(seed: number, options: { messages: number; kills: number; snapshotEvery: number | undefined }): Promise<Outcome> {
  const rand = random(seed);
  const journal = new MemoryJournal();
  const snapshotStore = new MemorySnapshotStore();
  const violations: string[] = [];
  const storedConfirmations = new Set<number>();
  const payloadById = new Map<number, string>();
  const receivedPayloads = new Set<string>();
  let receipts = 0;
  let lostInCrash = 0;
  let sender!: ActorRef;

  const receiver = async (message: unknown) => {
    const { deliveryId, payload } = message as Delivered;
    receipts++;
    if (storedConfirmations.has(deliveryId)) violations.push(`delivery ${deliveryId} received again after its confirmation was stored`);
    const known = payloadById.get(deliveryId);
    if (known !== undefined && known !== payload) violations.push(`delivery ${deliveryId} was ${known}, now ${payload}`);
    payloadById.set(deliveryId, payload);
    receivedPayloads.add(payload);
    if (rand() < 0.3) return; // the confirmation is lost on the way back
    try {
      await sender.ask({ type: 'confirm', deliveryId });
      storedConfirmations.add(deliveryId);
    } catch {
      lostInCrash++; // the sender's process died before it stored the confirmation: it will redeliver
    }
  };

  const spawn = () => {
    const process = new ProcessStores(journal, snapshotStore);
    const persistence = createPersistence({ journal: process.journal, snapshotStore: process.snapshotStore });
    sender = persistence.actorOf(() => new SenderActor('sender', { receiver }, { redeliverInterval: 1000, redeliveryBurstLimit: 3 }));
    return process;
  };

  let process = spawn();
  const killAt = new Set(Array.from({ length: options.kills }, (_, k) => Math.floor(((k + 1) * options.messages) / (options.kills + 1))));
  const accepted: string[] = [];
  for (let i = 0; i < options.messages; i++) {
    const payload = `m${i}`;
    await sender.ask({ type: 'send', payload }).then(
      () => accepted.push(payload),
      () => {},
    );
    if (options.snapshotEvery && i % options.snapshotEvery === options.snapshotEvery - 1) await sender.ask({ type: 'snapshot' });
    await vi.advanceTimersByTimeAsync(Math.floor(rand() * 700));
    if (killAt.has(i)) {
      // Mid-stream: a send and a redelivery round are in flight when the process dies.
      const inFlightFailed = sender.ask({ type: 'send', payload: `m${i}-retry` }).then(
        () => false,
        () => true,
      );
      vi.advanceTimersByTime(1000);
      process.kill(); // no graceful stop: whatever it had in flight fails
      vi.clearAllTimers(); // and its timers die with it
      await vi.advanceTimersByTimeAsync(0);
      process = spawn();
      // The caller of the send that was in flight retries it on the new process (it may have been stored or not).
      if (await inFlightFailed) await sender.ask({ type: 'send', payload: `m${i}-retry` });
      accepted.push(`m${i}-retry`);
    }
  }
  let unconfirmed = -1;
  for (let round = 0; round < 200 && unconfirmed !== 0; round++) {
    await vi.advanceTimersByTimeAsync(1000);
    unconfirmed = (await sender.ask<{ unconfirmed: number }>({ type: 'status' })).unconfirmed;
  }
  return { accepted, receivedPayloads, duplicates: receipts - payloadById.size, violations, unconfirmed, lostInCrash };
}

describe('at-least-once delivery across crashes', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [seed, snapshotEvery] of [
    [1, undefined],
    [2, 5],
    [3, 7],
    [4, undefined],
    [5, 3],
  ] as const) {
    it(`seed ${seed}${snapshotEvery ? `, snapshot every ${snapshotEvery} sends` : ', no snapshots'}: every message is confirmed, duplicates only while unconfirmed`, async () => {
      const outcome = await scenario(seed, { messages: 40, kills: 2, snapshotEvery });
      expect(outcome.violations).toEqual([]);
      expect(outcome.unconfirmed).toBe(0);
      expect(outcome.accepted).toHaveLength(42);
      expect(outcome.lostInCrash).toBeGreaterThan(0);
      expect([...outcome.receivedPayloads].sort()).toEqual([...outcome.accepted].sort());
      expect(outcome.duplicates).toBeGreaterThan(0);
    });
  }
});
