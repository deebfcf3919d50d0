/**
 * Port of Akka's "Snapshot Usage in Persistent Actor" example: a counter that snapshots
 * every 100 events, snapshots on request, and deletes snapshots older than
 * `lastSequenceNr - 200` on request. Run: `npx tsx examples/akka/snapshot-aware-counter.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  type ActorResultMessage,
  createPersistence,
  MemoryJournal,
  MemorySnapshotStore,
  PersistentActor,
  type RecoveryMessage,
  SnapshotSelectionCriteria,
} from '../../src/index.js';

export interface CounterState {
  readonly value: number;
  readonly lastUpdate: number;
}

export type CounterCommand = 'increment' | 'decrement' | 'get-value' | 'force-snapshot' | 'delete-old-snapshots';
export type CounterEvent = 'incremented' | 'decremented';

/** Akka's `SnapshotAwareCounter`, line by line. */
export class SnapshotAwareCounter extends PersistentActor<CounterCommand, CounterEvent, CounterState> {
  readonly persistenceId: string;
  #state: CounterState = { value: 0, lastUpdate: Date.now() };

  constructor(
    persistenceId = 'snapshot-counter',
    private readonly print: (line: string) => void = console.log,
  ) {
    super();
    this.persistenceId = persistenceId;
  }

  receiveRecover(message: RecoveryMessage<CounterEvent, CounterState>): void {
    if (message === 'incremented') this.#state = { value: this.#state.value + 1, lastUpdate: Date.now() };
    else if (message === 'decremented') this.#state = { value: this.#state.value - 1, lastUpdate: Date.now() };
    else if (message.type === 'SnapshotOffer') {
      this.print(`Recovered from snapshot at sequence ${message.metadata.sequenceNr}`);
      this.#state = message.snapshot;
    }
  }

  receiveCommand(message: CounterCommand | ActorResultMessage): void {
    if (typeof message === 'string') {
      this.#command(message);
      return;
    }
    switch (message.type) {
      case 'SaveSnapshotSuccess':
        this.print(`Snapshot saved successfully at sequence ${message.metadata.sequenceNr}`);
        return;
      case 'SaveSnapshotFailure':
        this.print(`Snapshot save failed at sequence ${message.metadata.sequenceNr}: ${message.cause.message}`);
        return;
      case 'DeleteSnapshotsSuccess':
        this.print(`Old snapshots deleted successfully up to ${message.criteria.maxSequenceNr}`);
        return;
      case 'DeleteSnapshotsFailure':
        this.print(`Failed to delete snapshots: ${message.cause.message}`);
        return;
    }
  }

  #command(command: CounterCommand): void {
    switch (command) {
      case 'increment':
      case 'decrement': {
        const event: CounterEvent = command === 'increment' ? 'incremented' : 'decremented';
        this.persist(event, () => {
          this.#state = { value: this.#state.value + (event === 'incremented' ? 1 : -1), lastUpdate: Date.now() };
          this.reply(this.#state.value);
          // Save snapshot every 100 events
          if (this.lastSequenceNr % 100 === 0) void this.saveSnapshot(this.#state);
        });
        return;
      }
      case 'get-value':
        this.reply(this.#state.value);
        return;
      case 'force-snapshot':
        void this.saveSnapshot(this.#state);
        return;
      case 'delete-old-snapshots':
        // Delete snapshots older than current - 200 sequence numbers
        void this.deleteSnapshots(new SnapshotSelectionCriteria({ maxSequenceNr: this.lastSequenceNr - 200 }));
        return;
    }
  }
}

/** Counts to 450, snapshots along the way, prunes, and recovers in a second runtime. */
export async function main(print: (line: string) => void = console.log): Promise<number> {
  const journal = new MemoryJournal();
  const snapshotStore = new MemorySnapshotStore();
  const first = createPersistence({ journal, snapshotStore });
  const counter = first.actorOf<CounterCommand>(() => new SnapshotAwareCounter('snapshot-counter', print));
  for (let i = 0; i < 450; i++) await counter.ask('increment');
  await counter.ask('decrement');
  await counter.ask('delete-old-snapshots');
  await first.idle();
  print(`value before restart: ${await counter.ask('get-value')}`);
  // A second runtime over the same stores, as after a process restart.
  const second = createPersistence({ journal, snapshotStore });
  const recovered = second.actorOf<CounterCommand>(() => new SnapshotAwareCounter('snapshot-counter', print));
  const value = await recovered.ask<number>('get-value');
  print(`value after recovery: ${value}`);
  await second.close();
  return value;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
