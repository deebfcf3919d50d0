/**
 * maxSnapshotBytes, per entity and per store: a snapshot over the limit is not written,
 * the entity is told with SaveSnapshotFailure carrying SnapshotTooLargeError (size and
 * limit), and the older snapshots stay usable for recovery.
 */
import { describe, expect, it } from 'vitest';
import {
  type ActorResultMessage,
  createPersistence,
  ErrorCodes,
  PersistentActor,
  type RecoveryMessage,
  type SaveSnapshotFailure,
  type Signal,
  type SnapshotOffer,
  SnapshotSelectionCriteria,
} from '../../src/index.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/memory/index.js';
import { counter } from './support/counter.js';

const listed = async (store: MemorySnapshotStore, persistenceId: string) => {
  const found: number[] = [];
  for await (const metadata of store.list(persistenceId)) found.push(metadata.sequenceNr);
  return found;
};

describe('maxSnapshotBytes', () => {
  it('refuses an entity snapshot over the entity limit with SaveSnapshotFailure, keeping the older one', async () => {
    const journal = new MemoryJournal();
    const snapshotStore = new MemorySnapshotStore();
    const signals: Signal[] = [];
    const persistence = createPersistence({ journal, snapshotStore });
    const ref = persistence.entity(counter({ maxSnapshotBytes: 200 }, signals), 'big');
    await ref.ask({ type: 'add', amount: 1 });
    await ref.ask({ type: 'snapshot' });
    // Grow the state past 200 encoded bytes, then ask for another snapshot.
    await ref.ask({ type: 'addAll', amounts: Array.from({ length: 60 }, (_, index) => 1000 + index) });
    await ref.ask({ type: 'snapshot' });
    await persistence.idle();
    const failure = signals.find((signal): signal is SaveSnapshotFailure => signal.type === 'SaveSnapshotFailure');
    expect(failure?.metadata.sequenceNr).toBe(61);
    expect(failure?.cause).toMatchObject({ code: ErrorCodes.snapshotTooLarge, limit: 200, persistenceId: 'counter|big' });
    expect((failure as SaveSnapshotFailure).cause as unknown as { size: number }).toHaveProperty('size');
    expect(((failure as SaveSnapshotFailure).cause as unknown as { size: number }).size).toBeGreaterThan(200);
    expect(failure?.cause.message).toMatch(/is too large: \d+ bytes encoded, the limit is 200 bytes/);
    expect(await listed(snapshotStore, 'counter|big')).toEqual([1]);
    await persistence.close();
  });

  it('applies the store limit to classic actors, answering saveSnapshot with the failure', async () => {
    const snapshotStore = new MemorySnapshotStore({ maxSnapshotBytes: 256 });
    const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore });
    class Saver extends PersistentActor<{ readonly size: number }, never, string> {
      readonly persistenceId = 'saver';
      readonly results: ActorResultMessage[] = [];
      receiveRecover(_message: RecoveryMessage<never, string> | SnapshotOffer<string>): void {}
      async receiveCommand(message: { readonly size: number } | ActorResultMessage): Promise<void> {
        if ('size' in message) this.reply(await this.saveSnapshot('x'.repeat(message.size)));
        else this.results.push(message);
      }
    }
    const ref = persistence.actorOf(() => new Saver());
    await expect(ref.ask({ size: 10 })).resolves.toMatchObject({ type: 'SaveSnapshotSuccess' });
    const refused = (await ref.ask({ size: 500 })) as SaveSnapshotFailure;
    expect(refused.type).toBe('SaveSnapshotFailure');
    expect(refused.cause).toMatchObject({ code: ErrorCodes.snapshotTooLarge, limit: 256 });
    const latest = await snapshotStore.load('saver', SnapshotSelectionCriteria.Latest);
    expect(latest?.snapshot).toBe('x'.repeat(10));
    await persistence.close();
  });

  it('refuses a limit that is not a positive integer, naming the option', () => {
    expect(() => new MemorySnapshotStore({ maxSnapshotBytes: 0 })).toThrow(/options\.maxSnapshotBytes/);
    expect(() => counter({ maxSnapshotBytes: 1.5 })).toThrow(/options\.maxSnapshotBytes/);
  });
});
