/**
 * The two front ends of docs/entities.md side by side, kept here so the snippets compile
 * and run: `npx tsx examples/akka/side-by-side.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  type ActorResultMessage,
  createPersistence,
  defineEntity,
  Effect,
  MemoryJournal,
  MemorySnapshotStore,
  PersistentActor,
  type RecoveryMessage,
} from '../../src/index.js';

type State = { value: number };
type Command = { type: 'increment' } | { type: 'get' };
type Event = { type: 'incremented' };

/** The typed counter. */
export const Counter = defineEntity<State, Command, Event>({
  name: 'counter',
  emptyState: { value: 0 },
  commandHandler: (state, command) => {
    switch (command.type) {
      case 'increment':
        return Effect.persist<Event>({ type: 'incremented' }).thenReply((s: State) => s.value);
      case 'get':
        return Effect.reply(state.value);
    }
  },
  eventHandler: (state, _event) => ({ value: state.value + 1 }),
  retention: { snapshotEvery: 100, keepNSnapshots: 2 },
});

/** The same counter, classic style. */
export class ClassicCounter extends PersistentActor<'increment' | 'get', 'incremented', number> {
  readonly persistenceId = 'counter|counter-2';
  value = 0;

  receiveRecover(message: RecoveryMessage<'incremented', number>): void {
    if (message === 'incremented') this.value += 1;
    else if (message.type === 'SnapshotOffer') this.value = message.snapshot;
  }

  receiveCommand(message: 'increment' | 'get' | ActorResultMessage): void {
    if (message === 'increment') {
      this.persist('incremented', () => {
        this.value += 1;
        this.reply(this.value);
        if (this.lastSequenceNr % 100 === 0) void this.saveSnapshot(this.value);
      });
    } else if (message === 'get') this.reply(this.value);
    else if (message.type === 'SaveSnapshotSuccess') this.log.info('saved');
  }
}

/** Increments both counters 250 times and prints their values. */
export async function main(print: (line: string) => void = console.log): Promise<[number, number]> {
  const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() });
  const typed = persistence.entity(Counter, 'counter-1');
  const classic = persistence.actorOf(() => new ClassicCounter());
  for (let i = 0; i < 250; i++) await Promise.all([typed.ask({ type: 'increment' }), classic.ask('increment')]);
  const values: [number, number] = [await typed.ask<number>({ type: 'get' }), await classic.ask<number>('get')];
  print(`typed ${typed.persistenceId}: ${values[0]}, classic ${classic.persistenceId}: ${values[1]}`);
  await persistence.close();
  return values;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
