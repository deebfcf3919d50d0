/** The three examples of Akka's snapshot page, ported to examples/akka/, behave as documented there. */
import { describe, expect, it } from 'vitest';
import {
  type ConditionalCommand,
  ConditionalSnapshotActor,
  main as conditionalMain,
  defaultConditions,
} from '../../examples/akka/conditional-snapshot-actor.js';
import { MetadataAwareActor, type MetadataCommand, main as metadataMain } from '../../examples/akka/metadata-aware-actor.js';
import { main as sideBySideMain } from '../../examples/akka/side-by-side.js';
import { type CounterCommand, main as counterMain, SnapshotAwareCounter } from '../../examples/akka/snapshot-aware-counter.js';
import { createPersistence, MemoryJournal, MemorySnapshotStore, type SnapshotStore } from '../../src/index.js';

async function snapshotSequenceNrs(store: SnapshotStore, persistenceId: string): Promise<number[]> {
  const found: number[] = [];
  for await (const metadata of store.list(persistenceId)) found.push(metadata.sequenceNr);
  return found;
}

function stores() {
  return { journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() };
}

describe('Akka example: SnapshotAwareCounter', () => {
  it('snapshots every 100 events and reports each save as a message', async () => {
    const { journal, snapshotStore } = stores();
    const lines: string[] = [];
    const persistence = createPersistence({ journal, snapshotStore });
    const counter = persistence.actorOf<CounterCommand>(() => new SnapshotAwareCounter('c', (line) => lines.push(line)));
    for (let i = 0; i < 250; i++) await counter.ask('increment');
    expect(await counter.ask('decrement')).toBe(249);
    await persistence.idle();
    expect(await snapshotSequenceNrs(snapshotStore, 'c')).toEqual([100, 200]);
    expect(lines).toEqual(['Snapshot saved successfully at sequence 100', 'Snapshot saved successfully at sequence 200']);
    await persistence.close();
  });

  it('force-snapshot snapshots now; delete-old-snapshots deletes those older than lastSequenceNr - 200', async () => {
    const { journal, snapshotStore } = stores();
    const lines: string[] = [];
    const persistence = createPersistence({ journal, snapshotStore });
    const counter = persistence.actorOf<CounterCommand>(() => new SnapshotAwareCounter('c', (line) => lines.push(line)));
    for (let i = 0; i < 350; i++) await counter.ask('increment');
    await counter.ask('force-snapshot');
    await persistence.idle();
    expect(await snapshotSequenceNrs(snapshotStore, 'c')).toEqual([100, 200, 300, 350]);
    await counter.ask('delete-old-snapshots');
    await persistence.idle();
    expect(await snapshotSequenceNrs(snapshotStore, 'c')).toEqual([200, 300, 350]);
    expect(lines.at(-1)).toBe('Old snapshots deleted successfully up to 150');
    await persistence.close();
  });

  it('delete-old-snapshots on a young counter (lastSequenceNr - 200 < 0) deletes nothing and reports success, as in Akka', async () => {
    const { journal, snapshotStore } = stores();
    const lines: string[] = [];
    const persistence = createPersistence({ journal, snapshotStore });
    const counter = persistence.actorOf<CounterCommand>(() => new SnapshotAwareCounter('c', (line) => lines.push(line)));
    for (let i = 0; i < 3; i++) await counter.ask('increment');
    await counter.ask('force-snapshot');
    await counter.ask('delete-old-snapshots');
    await persistence.idle();
    expect(await snapshotSequenceNrs(snapshotStore, 'c')).toEqual([3]);
    expect(lines).toEqual(['Snapshot saved successfully at sequence 3', 'Old snapshots deleted successfully up to -197']);
    await persistence.close();
  });

  it('recovers from the youngest snapshot (main prints the story)', async () => {
    const lines: string[] = [];
    expect(await counterMain((line) => lines.push(line))).toBe(449);
    expect(lines).toContain('Recovered from snapshot at sequence 400');
    expect(lines).toContain('Old snapshots deleted successfully up to 251');
  });
});

describe('Akka example: ConditionalSnapshotActor', () => {
  it('snapshots when 50 events passed since the last snapshot', async () => {
    const { journal, snapshotStore } = stores();
    const persistence = createPersistence({ journal, snapshotStore });
    const actor = persistence.actorOf<ConditionalCommand>(() => new ConditionalSnapshotActor(defaultConditions, () => {}));
    for (let i = 0; i < 49; i++) await actor.ask({ type: 'add', items: ['x'] });
    await persistence.idle();
    expect(await snapshotSequenceNrs(snapshotStore, 'conditional-snapshot')).toEqual([]);
    await actor.ask({ type: 'add', items: ['x'] });
    await persistence.idle();
    expect(await snapshotSequenceNrs(snapshotStore, 'conditional-snapshot')).toEqual([50]);
    await persistence.close();
  });

  it('snapshots when the state grew past its size limit, and when the last update is over an hour old', async () => {
    const { journal, snapshotStore } = stores();
    let now = 0;
    const persistence = createPersistence({ journal, snapshotStore });
    const conditions = { ...defaultConditions, now: () => now };
    const actor = persistence.actorOf<ConditionalCommand>(() => new ConditionalSnapshotActor(conditions, () => {}));
    await actor.ask({ type: 'add', items: ['a'] });
    expect(await actor.ask({ type: 'add', items: Array.from({ length: 1000 }, () => 'b') })).toBe(1001);
    await persistence.idle();
    expect(await snapshotSequenceNrs(snapshotStore, 'conditional-snapshot')).toEqual([2]);
    await persistence.close();

    const later = stores();
    const aged = createPersistence(later);
    const slow = aged.actorOf<ConditionalCommand>(() => new ConditionalSnapshotActor(conditions, () => {}));
    await slow.ask({ type: 'add', items: ['a'] });
    now += 3_600_001;
    await slow.ask({ type: 'add', items: ['b'] });
    await aged.idle();
    expect(await snapshotSequenceNrs(later.snapshotStore, 'conditional-snapshot')).toEqual([2]);
    await aged.close();
  });

  it('main runs on memory stores', async () => {
    const lines: string[] = [];
    expect(await conditionalMain((line) => lines.push(line))).toBe(1020);
    expect(lines).toContain('snapshot saved at 50');
  });
});

describe('Akka example: MetadataAwareActor', () => {
  it('attaches metadata to a snapshot and reads it back from the SnapshotOffer on recovery', async () => {
    const { journal, snapshotStore } = stores();
    const lines: string[] = [];
    const first = createPersistence({ journal, snapshotStore });
    const actor = first.actorOf<MetadataCommand>(
      () =>
        new MetadataAwareActor(
          (line) => lines.push(line),
          () => 1234,
        ),
    );
    await actor.ask('note');
    await actor.ask('note');
    await actor.ask('snapshot-with-metadata');
    await first.idle();
    expect(lines).toEqual(['Snapshot saved with metadata: {"reason":"manual","timestamp":1234}']);
    const second = createPersistence({ journal, snapshotStore });
    const recovered = second.actorOf<MetadataCommand>(() => new MetadataAwareActor((line) => lines.push(line)));
    expect(await recovered.ask('get')).toEqual({ state: 2, recoveredMetadata: { reason: 'manual', timestamp: 1234 } });
    expect(lines).toContain('Snapshot metadata: {"reason":"manual","timestamp":1234}');
    expect(lines.some((line) => line.startsWith('Recovering from snapshot 2 at '))).toBe(true);
    await second.close();
  });

  it('main runs on memory stores', async () => {
    const lines: string[] = [];
    expect(await metadataMain((line) => lines.push(line))).toMatchObject({ state: 4, recoveredMetadata: { reason: 'manual' } });
  });
});

describe('docs/entities.md side by side', () => {
  it('the typed and classic counters run on one runtime', async () => {
    const lines: string[] = [];
    expect(await sideBySideMain((line) => lines.push(line))).toEqual([250, 250]);
    expect(lines).toEqual(['typed counter|counter-1: 250, classic counter|counter-2: 250']);
  });
});
