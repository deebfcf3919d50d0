/**
 * Port of Akka's "Snapshot Metadata Usage" example: attach metadata to a snapshot, see it
 * in SaveSnapshotSuccess, and read it back from the SnapshotOffer on recovery. (In Akka
 * the metadata cannot be passed to saveSnapshot; Memento takes it as a second argument.)
 * Run: `npx tsx examples/akka/metadata-aware-actor.ts`.
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

export type MetadataCommand = 'note' | 'snapshot-with-metadata' | 'get';
export interface Noted {
  readonly type: 'noted';
}

/** What the example puts in the snapshot metadata. */
export interface SnapshotNote {
  readonly reason: string;
  readonly timestamp: number;
}

/** Akka's `MetadataAwareActor`. */
export class MetadataAwareActor extends PersistentActor<MetadataCommand, Noted, number> {
  readonly persistenceId = 'metadata-aware';
  #currentState = 0;
  /** The metadata found on recovery, for callers to inspect. */
  recoveredMetadata: unknown;

  constructor(
    private readonly print: (line: string) => void = console.log,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  receiveCommand(message: MetadataCommand | ActorResultMessage): void {
    if (message === 'note') {
      this.persist({ type: 'noted' }, () => {
        this.#currentState += 1;
        this.reply(this.#currentState);
      });
    } else if (message === 'snapshot-with-metadata') {
      const metadata: SnapshotNote = { reason: 'manual', timestamp: this.now() };
      void this.saveSnapshot(this.#currentState, metadata);
    } else if (message === 'get') {
      this.reply({ state: this.#currentState, recoveredMetadata: this.recoveredMetadata });
    } else if (message.type === 'SaveSnapshotSuccess' && message.metadata.metadata !== undefined) {
      this.print(`Snapshot saved with metadata: ${JSON.stringify(message.metadata.metadata)}`);
    }
  }

  receiveRecover(message: RecoveryMessage<Noted, number>): void {
    if (message.type === 'SnapshotOffer') {
      const { metadata } = message;
      this.print(`Recovering from snapshot ${metadata.sequenceNr} at ${metadata.timestamp}`);
      if (metadata.metadata !== undefined) this.print(`Snapshot metadata: ${JSON.stringify(metadata.metadata)}`);
      this.recoveredMetadata = metadata.metadata;
      this.#restoreFromSnapshot(message.snapshot);
    } else if (message.type === 'noted') {
      this.#currentState += 1;
    }
  }

  #restoreFromSnapshot(snapshot: number): void {
    this.#currentState = snapshot;
  }
}

/** Notes three times, snapshots with metadata, and recovers in a second runtime. */
export async function main(print: (line: string) => void = console.log): Promise<unknown> {
  const journal = new MemoryJournal();
  const snapshotStore = new MemorySnapshotStore();
  const first = createPersistence({ journal, snapshotStore });
  const actor = first.actorOf<MetadataCommand>(() => new MetadataAwareActor(print));
  for (let i = 0; i < 3; i++) await actor.ask('note');
  await actor.ask('snapshot-with-metadata');
  await actor.ask('note');
  await first.idle();
  const second = createPersistence({ journal, snapshotStore });
  const result = await second.actorOf<MetadataCommand>(() => new MetadataAwareActor(print)).ask('get');
  print(`after recovery: ${JSON.stringify(result)}`);
  await second.close();
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
