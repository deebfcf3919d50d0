/**
 * recoveryIdleTimeoutMs: a store that really stops answering (a replay or snapshot load
 * held at a gate that never opens on its own) fails the recovery with
 * RecoveryTimedOutError instead of hanging, and the next command recovers again.
 */
import { describe, expect, it, vi } from 'vitest';
import { createPersistence, ErrorCodes, type PersistentRepr, type Signal } from '../../src/index.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/memory/index.js';
import { counter } from './support/counter.js';
import { FaultyJournal, FaultySnapshotStore, gate } from './support/faulty-stores.js';

const TIMEOUT_MS = 40;

/** A journal whose replay asks the test for each event: `nextAsk()` resolves once the runtime wants the next one, with the function that hands it out. */
class SteppedJournal extends FaultyJournal {
  readonly #asks: (() => void)[] = [];
  #notify: (() => void) | undefined;

  override replay(persistenceId: string, from: number, to: number, max?: number): AsyncIterable<PersistentRepr> {
    const events = super.replay(persistenceId, from, to, max);
    const ask = () =>
      new Promise<void>((open) => {
        this.#asks.push(open);
        this.#notify?.();
      });
    return (async function* () {
      for await (const repr of events) {
        await ask();
        yield repr;
      }
    })();
  }

  nextAsk(): Promise<() => void> {
    return new Promise((resolve) => {
      const take = () => {
        this.#notify = undefined;
        resolve(this.#asks.shift() as () => void);
      };
      if (this.#asks.length > 0) take();
      else this.#notify = take;
    });
  }
}

async function seeded(events: number) {
  const journal = new FaultyJournal(new MemoryJournal());
  const snapshotStore = new FaultySnapshotStore(new MemorySnapshotStore());
  const seeding = createPersistence({ journal, snapshotStore });
  const definition = counter();
  for (let i = 1; i <= events; i++) await seeding.entity(definition, 'a').ask({ type: 'add', amount: i });
  await seeding.close();
  return { journal, snapshotStore, definition };
}

describe('recoveryIdleTimeoutMs', () => {
  it('fails a recovery whose replay hangs with RecoveryTimedOutError, and recovers on the next command', async () => {
    const { journal, snapshotStore } = await seeded(5);
    const hung = gate();
    journal.replayHang = { after: 2, gate: hung.promise };
    const signals: Signal[] = [];
    const persistence = createPersistence({ journal, snapshotStore, recoveryIdleTimeoutMs: TIMEOUT_MS });
    const ref = persistence.entity(counter({}, signals), 'a');

    const error = await ref.ask({ type: 'get' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: ErrorCodes.recoveryTimedOut, persistenceId: 'counter|a' });
    expect(String((error as Error).message)).toContain(`did not answer for ${TIMEOUT_MS} ms`);
    expect(signals.map((signal) => signal.type)).toContain('RecoveryFailed');

    // The store answers again: the entity is tried again and sees every event exactly once.
    journal.replayHang = undefined;
    await expect(ref.ask({ type: 'get' })).resolves.toMatchObject({ value: 15, applied: [1, 2, 3, 4, 5] });
    // The abandoned replay wakes up now; it must not touch the recovered state.
    hung.open();
    await ref.ask({ type: 'add', amount: 1 });
    await expect(ref.ask({ type: 'get' })).resolves.toMatchObject({ applied: [1, 2, 3, 4, 5, 1] });
    await persistence.close();
  });

  it('fails a recovery whose snapshot load hangs', async () => {
    const { journal, snapshotStore, definition } = await seeded(2);
    const hung = gate();
    snapshotStore.loadGate = hung.promise;
    const persistence = createPersistence({ journal, snapshotStore, recoveryIdleTimeoutMs: TIMEOUT_MS });
    await expect(persistence.entity(definition, 'a').ask({ type: 'get' })).rejects.toMatchObject({
      code: ErrorCodes.recoveryTimedOut,
    });
    snapshotStore.loadGate = undefined;
    hung.open();
    await expect(persistence.entity(definition, 'a').ask({ type: 'get' })).resolves.toMatchObject({ value: 3 });
    await persistence.close();
  });

  it('waits per answer, not for the whole recovery: a replay longer than the timeout, with every event inside it, completes', async () => {
    const { journal: seededJournal, snapshotStore, definition } = await seeded(5);
    const journal = new SteppedJournal(seededJournal.inner);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const persistence = createPersistence({ journal, snapshotStore, recoveryIdleTimeoutMs: TIMEOUT_MS });
      const reply = persistence.entity(definition, 'a').ask({ type: 'get' });
      // Five events, each after three quarters of the timeout of silence: far longer than the timeout in all.
      for (let event = 1; event <= 5; event++) {
        const handOut = await journal.nextAsk();
        await vi.advanceTimersByTimeAsync((TIMEOUT_MS * 3) / 4);
        handOut();
      }
      await expect(reply).resolves.toMatchObject({ value: 15, applied: [1, 2, 3, 4, 5] });
      await persistence.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not cut short a replay that keeps answering', async () => {
    const { journal, snapshotStore, definition } = await seeded(30);
    const persistence = createPersistence({ journal, snapshotStore, recoveryIdleTimeoutMs: TIMEOUT_MS });
    await expect(persistence.entity(definition, 'a').ask({ type: 'get' })).resolves.toMatchObject({ value: 465 });
    await persistence.close();
  });

  it('refuses a timeout that is not a positive integer, naming the option', () => {
    expect(() =>
      createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore(), recoveryIdleTimeoutMs: 0 }),
    ).toThrow(/options\.recoveryIdleTimeoutMs/);
  });
});
