/**
 * persistAsync, persistAllAsync, defer and deferAsync on the classic actor, with Akka's
 * ordering guarantees: handlers run in call order across commands, a defer handler runs
 * after every earlier persist's handlers, and commands keep arriving while asynchronous
 * writes are in flight. The property test drives random call mixes over a journal whose
 * writes finish after a random number of event-loop turns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActorResultMessage,
  type AtomicWrite,
  createPersistence,
  type Journal,
  PersistentActor,
  type PersistentRepr,
  type RecoveryMessage,
} from '../../src/index.js';
import { MemoryJournal, MemorySnapshotStore } from '../../src/memory/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { FaultyJournal, FaultySnapshotStore, gate } from './support/faulty-stores.js';

type Call = { readonly kind: 'persist' | 'persistAsync' | 'persistAll' | 'persistAllAsync' | 'defer' | 'deferAsync'; readonly id: number };
type Command =
  | { readonly type: 'calls'; readonly calls: readonly Call[] }
  | { readonly type: 'get' }
  | { readonly type: 'async'; readonly id: number };

/** Logs every handler call by id; state is the list of persisted ids. */
class Logger extends PersistentActor<Command, number, never> {
  readonly persistenceId = 'async-logger';
  readonly handled: string[] = [];
  persisted: number[] = [];

  receiveRecover(message: RecoveryMessage<number, never>): void {
    if (typeof message === 'number') this.persisted.push(message);
  }

  receiveCommand(message: Command | ActorResultMessage): void {
    if (message.type === 'get') {
      this.reply({ persisted: this.persisted, handled: this.handled });
      return;
    }
    if (message.type === 'async') {
      this.persistAsync(message.id, (id) => {
        this.persisted.push(id);
        this.reply(`stored ${id} at ${this.lastSequenceNr}`);
      });
      return;
    }
    if (message.type !== 'calls') return;
    for (const call of message.calls) {
      const record = (id: number) => {
        this.handled.push(`${call.kind}:${id}`);
        if (!call.kind.startsWith('defer')) this.persisted.push(id);
      };
      switch (call.kind) {
        case 'persist':
          this.persist(call.id, record);
          break;
        case 'persistAsync':
          this.persistAsync(call.id, record);
          break;
        case 'persistAll':
          this.persistAll([call.id, call.id + 0.5], record);
          break;
        case 'persistAllAsync':
          this.persistAllAsync([call.id, call.id + 0.5], record);
          break;
        case 'defer':
          this.defer(call.id, record);
          break;
        case 'deferAsync':
          this.deferAsync(call.id, record);
          break;
      }
    }
  }
}

/** A journal whose writes finish after a chosen number of event-loop turns: writes overlap commands. */
class SlowJournal implements Journal {
  constructor(
    readonly inner: Journal,
    private readonly turns: () => number,
  ) {}
  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    for (let turn = this.turns(); turn > 0; turn--) await new Promise<void>((resolve) => setImmediate(resolve));
    return this.inner.write(writes);
  }
  replay(persistenceId: string, from: number, to: number, max?: number): AsyncIterable<PersistentRepr> {
    return this.inner.replay(persistenceId, from, to, max);
  }
  highestSequenceNr(persistenceId: string, from?: number): Promise<number> {
    return this.inner.highestSequenceNr(persistenceId, from);
  }
  deleteTo(persistenceId: string, toSequenceNr: number): Promise<void> {
    return this.inner.deleteTo(persistenceId, toSequenceNr);
  }
  async close(): Promise<void> {}
}

/** What handlers must have run, in order: every call of every command, in call order. */
function expectedOrder(commands: readonly (readonly Call[])[]): string[] {
  return commands.flatMap((calls) =>
    calls.flatMap((call) =>
      call.kind.startsWith('persistAll') ? [`${call.kind}:${call.id}`, `${call.kind}:${call.id + 0.5}`] : [`${call.kind}:${call.id}`],
    ),
  );
}

/** A recovered Logger actor over a journal holding its next write at a gate until `held.open()`; `arrived` resolves when that write reaches the gate. */
async function loggerWithHeldWrite() {
  const journal = new FaultyJournal(new MemoryJournal());
  const persistence = createPersistence({ journal, snapshotStore: new MemorySnapshotStore() });
  const ref = persistence.actorOf<Command>(() => new Logger());
  await ref.ask({ type: 'get' });
  const held = gate();
  journal.writeGate = held.promise;
  const arrived = journal.nextWrite();
  return { persistence, ref, held, arrived };
}

describe('classic persistAsync and defer', () => {
  it('keeps handling commands while an asynchronous write is in flight, and answers the asker from the handler', async () => {
    const { persistence, ref, held, arrived } = await loggerWithHeldWrite();
    const answer = ref.ask({ type: 'async', id: 7 });
    await arrived;
    // The write is held at the gate; a later command is handled all the same.
    await expect(ref.ask({ type: 'get' })).resolves.toMatchObject({ persisted: [] });
    held.open();
    await expect(answer).resolves.toBe('stored 7 at 1');
    await expect(ref.ask({ type: 'get' })).resolves.toMatchObject({ persisted: [7] });
    await persistence.close();
  });

  it('holds commands back while a defer waits for earlier asynchronous persists', async () => {
    const { persistence, ref, held, arrived } = await loggerWithHeldWrite();
    const deferring = ref.ask({
      type: 'calls',
      calls: [
        { kind: 'persistAsync', id: 1 },
        { kind: 'defer', id: 2 },
      ],
    });
    await arrived;
    let later = false;
    const get = ref.ask({ type: 'get' }).then((value) => {
      later = true;
      return value;
    });
    held.open();
    await deferring;
    await expect(get).resolves.toMatchObject({ handled: ['persistAsync:1', 'defer:2'] });
    expect(later).toBe(true);
    await persistence.close();
  });

  it('runs handlers in call order under random mixes of persist, persistAsync, defer and deferAsync', async () => {
    const kinds = ['persist', 'persistAsync', 'persistAll', 'persistAllAsync', 'defer', 'deferAsync'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.constantFrom(...kinds), { minLength: 0, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.infiniteStream(fc.integer({ min: 0, max: 3 })),
        async (shape, delays) => {
          let next = 1;
          const commands = shape.map((calls) => calls.map((kind) => ({ kind, id: next++ })));
          const inner = new MemoryJournal();
          const journal = new SlowJournal(inner, () => delays.next().value as number);
          const snapshotStore = new FaultySnapshotStore(new MemorySnapshotStore());
          const persistence = createPersistence({ journal, snapshotStore });
          const ref = persistence.actorOf<Command>(() => new Logger());
          // Every command sent at once: the mailbox interleaves them with the writes' completions.
          const answers = commands.map((calls) => ref.ask({ type: 'calls', calls }));
          await Promise.all(answers);
          await persistence.idle();
          const seen = (await ref.ask({ type: 'get' })) as { handled: string[]; persisted: number[] };
          expect(seen.handled).toEqual(expectedOrder(commands));
          await persistence.close();
          // What was stored is what the handlers saw, in the same order.
          const restarted = createPersistence({ journal: new FaultyJournal(inner), snapshotStore });
          const recovered = (await restarted.actorOf<Command>(() => new Logger()).ask({ type: 'get' })) as { persisted: number[] };
          expect(recovered.persisted).toEqual(seen.persisted);
          await restarted.close();
        },
      ),
      { numRuns: propertyRuns(60) },
    );
  });
});
