/**
 * Port of Akka's "Conditional Snapshotting" example: snapshot when 50 events passed since
 * the last snapshot, when the state grew past a size, or when the last update is over an
 * hour old. Run: `npx tsx examples/akka/conditional-snapshot-actor.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  type ActorResultMessage,
  createPersistence,
  MemoryJournal,
  MemorySnapshotStore,
  PersistentActor,
  type RecoveryMessage,
} from '../../src/index.js';

/** Something that grows: a list of items. */
export interface ComplexState {
  readonly items: readonly string[];
}

export type ConditionalCommand = { readonly type: 'add'; readonly items: readonly string[] } | { readonly type: 'size' };
export interface ItemsAdded {
  readonly type: 'items-added';
  readonly items: readonly string[];
}

/** Thresholds of {@link ConditionalSnapshotActor}; Akka's example hard-codes these defaults. */
export interface SnapshotConditions {
  readonly everyEvents: number;
  readonly maxSize: number;
  readonly maxAgeMs: number;
  /** Injected so the age condition can be tested without waiting an hour. */
  readonly now: () => number;
}

export const defaultConditions: SnapshotConditions = { everyEvents: 50, maxSize: 1000, maxAgeMs: 3_600_000, now: Date.now };

/** Akka's `ConditionalSnapshotActor`. */
export class ConditionalSnapshotActor extends PersistentActor<ConditionalCommand, ItemsAdded, ComplexState> {
  readonly persistenceId = 'conditional-snapshot';
  eventsSinceSnapshot = 0;
  #state: ComplexState = { items: [] };
  #lastUpdate: number;

  constructor(
    private readonly conditions: SnapshotConditions = defaultConditions,
    private readonly print: (line: string) => void = console.log,
  ) {
    super();
    this.#lastUpdate = conditions.now();
  }

  receiveRecover(message: RecoveryMessage<ItemsAdded, ComplexState>): void {
    if (message.type === 'SnapshotOffer') this.#state = message.snapshot;
    else if (message.type === 'items-added') this.#updateState(message);
  }

  receiveCommand(message: ConditionalCommand | ActorResultMessage): void {
    switch (message.type) {
      case 'add':
        this.persist({ type: 'items-added', items: message.items }, (event) => {
          const previousUpdate = this.#lastUpdate;
          this.#updateState(event);
          this.eventsSinceSnapshot += 1;
          // Snapshot based on multiple conditions
          const shouldSnapshot =
            this.eventsSinceSnapshot >= this.conditions.everyEvents ||
            this.#state.items.length > this.conditions.maxSize ||
            this.conditions.now() - previousUpdate > this.conditions.maxAgeMs;
          if (shouldSnapshot) {
            void this.saveSnapshot(this.#state);
            this.eventsSinceSnapshot = 0;
          }
          this.reply(this.#state.items.length);
        });
        return;
      case 'size':
        this.reply(this.#state.items.length);
        return;
      case 'SaveSnapshotSuccess':
        this.print(`snapshot saved at ${message.metadata.sequenceNr}`);
        this.eventsSinceSnapshot = 0;
        return;
    }
  }

  #updateState(event: ItemsAdded): void {
    this.#state = { items: [...this.#state.items, ...event.items] };
    this.#lastUpdate = this.conditions.now();
  }
}

/** Adds items one at a time (snapshot every 50), then a big batch (snapshot for size). */
export async function main(print: (line: string) => void = console.log): Promise<number> {
  const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() });
  const actor = persistence.actorOf<ConditionalCommand>(() => new ConditionalSnapshotActor(defaultConditions, print));
  for (let i = 0; i < 120; i++) await actor.ask({ type: 'add', items: [`tree-${i}`] });
  await actor.ask({ type: 'add', items: Array.from({ length: 900 }, (_, i) => `seed-${i}`) });
  const size = await actor.ask<number>({ type: 'size' });
  await persistence.close();
  print(`items: ${size}`);
  return size;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
