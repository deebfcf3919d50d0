/** Event adapters: stored form, manifests and tags on write; upcasting on recovery; both front ends. */
import { describe, expect, it } from 'vitest';
import {
  type ActorResultMessage,
  defineEntity,
  type EventAdapter,
  EventSeq,
  InvalidArgumentError,
  NO_MANIFEST,
  PersistentActor,
  RecoveryError,
  type RecoveryMessage,
  Tagged,
} from '../../../src/index.js';
import { type CounterEvent, type CounterState, counter, counterOptions } from '../support/counter.js';
import type { MakeStores } from '../support/harness.js';
import { useHarness } from '../support/harness.js';

/** Stores `added` as `{ n }` under `added.v2`; reads v2, v1 (`{ value }`) and pre-adapter events; drops `noise.v1`. */
const addedAdapter: EventAdapter<CounterEvent> = {
  manifest: (event) => (event.amount === 13 ? 'unlisted' : 'added.v2'),
  toJournal: (event) =>
    event.amount < 0 ? { n: event.amount } : Tagged({ n: event.amount }, ['counter', event.amount % 2 ? 'odd' : 'even']),
  fromJournal: (stored, manifest) => {
    switch (manifest) {
      case 'added.v2':
        return EventSeq.single({ type: 'added', amount: (stored as { n: number }).n });
      case 'added.v1':
        return EventSeq.many((stored as { values: number[] }).values.map((amount) => ({ type: 'added' as const, amount })));
      case NO_MANIFEST:
        return EventSeq.single(stored as CounterEvent);
      case 'broken.v1':
        throw new Error('cannot read this');
      case 'odd.v1':
        return 42 as never;
      default:
        return EventSeq.empty;
    }
  },
};

const bindings = [
  {
    adapter: addedAdapter,
    appliesTo: (e: CounterEvent) => e.type === 'added',
    manifests: ['added.v2', 'added.v1', 'noise.v1', 'broken.v1', 'odd.v1', NO_MANIFEST],
  },
];

class AdaptedLedger extends PersistentActor<{ type: 'add'; amount: number } | { type: 'get' }, CounterEvent> {
  override readonly eventAdapters = bindings;
  total: number[] = [];
  constructor(readonly persistenceId: string) {
    super();
  }
  receiveRecover(message: RecoveryMessage<CounterEvent, unknown>): void {
    if (message.type === 'added') this.total.push(message.amount);
  }
  receiveCommand(message: { type: 'add'; amount: number } | { type: 'get' } | ActorResultMessage): void {
    if (message.type === 'add')
      this.persist({ type: 'added', amount: message.amount }, (event) => {
        this.total.push(event.amount);
        this.reply(event);
      });
    else if (message.type === 'get') this.reply(this.total);
  }
}

export function eventAdapterTests(makeStores: MakeStores): void {
  describe('event adapters', () => {
    const harness = useHarness(makeStores);

    it('store the adapter form with its manifest and tags; handlers and replies see the domain event', async () => {
      const { start, id, journal } = harness();
      const ref = start().entity(counter({ eventAdapters: bindings }), id());
      expect(await ref.ask({ type: 'addAll', amounts: [1, 2, -3] })).toBe(0);
      const stored = journal.writes.flatMap((write) => write.events);
      expect(stored.map(({ event, manifest, tags }) => ({ event, manifest, tags }))).toEqual([
        { event: { n: 1 }, manifest: 'added.v2', tags: ['counter', 'odd'] },
        { event: { n: 2 }, manifest: 'added.v2', tags: ['counter', 'even'] },
        { event: { n: -3 }, manifest: 'added.v2', tags: undefined },
      ]);
      const replayed = [];
      for await (const repr of journal.replay(ref.persistenceId, 1, 3))
        replayed.push({ event: repr.event, manifest: repr.manifest, tags: repr.tags });
      expect(replayed[0]).toEqual({ event: { n: 1 }, manifest: 'added.v2', tags: ['counter', 'odd'] });
      const again = start().entity(counter({ eventAdapters: bindings }), ref.persistenceId.split('|')[1] as string);
      expect(await again.ask<CounterState>({ type: 'get' })).toEqual({ value: 0, applied: [1, 2, -3] });
    });

    it('upcast on recovery: events written before adapters, one stored event into several, or into none', async () => {
      const { start, id, journal } = harness();
      const entityId = id();
      await start().entity(counter(), entityId).ask({ type: 'add', amount: 5 });
      const persistenceId = `counter|${entityId}`;
      const written = await journal.write([
        {
          persistenceId,
          events: [
            { persistenceId, sequenceNr: 2, timestamp: 1, event: { values: [1, 2, 3] }, manifest: 'added.v1' },
            { persistenceId, sequenceNr: 3, timestamp: 1, event: { whatever: true }, manifest: 'noise.v1' },
            { persistenceId, sequenceNr: 4, timestamp: 1, event: { n: 10 }, manifest: 'added.v2' },
          ],
        },
      ]);
      expect(written).toEqual([undefined]);
      const upgraded = start().entity(counter({ eventAdapters: bindings }), entityId);
      expect(await upgraded.ask<CounterState>({ type: 'get' })).toEqual({ value: 21, applied: [5, 1, 2, 3, 10] });
      expect(await upgraded.ask({ type: 'ctx' })).toMatchObject({ lastSequenceNr: 4 });
      expect(await upgraded.ask({ type: 'add', amount: 1 })).toBe(22);
    });

    it('a stored manifest no adapter reads fails recovery with a RecoveryError naming manifest, persistence id and sequence number', async () => {
      const { start, id, journal } = harness();
      const entityId = id();
      const persistenceId = `counter|${entityId}`;
      await journal.write([{ persistenceId, events: [{ persistenceId, sequenceNr: 1, timestamp: 1, event: {}, manifest: 'added.v9' }] }]);
      for (const definition of [counter(), counter({ eventAdapters: bindings })]) {
        const error = await start()
          .entity(definition, entityId)
          .ask({ type: 'get' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RecoveryError);
        expect((error as Error).message).toBe(
          `[memento] cannot recover ${JSON.stringify(persistenceId)}: event 1 is stored with manifest "added.v9", and no event adapter reads this manifest`,
        );
        expect(error).toMatchObject({ persistenceId, actual: 'added.v9' });
      }
    });

    it('an adapter that throws or returns no EventSeq fails recovery with a RecoveryError naming the event', async () => {
      const { start, id, journal } = harness();
      for (const manifest of ['broken.v1', 'odd.v1']) {
        const entityId = id();
        const persistenceId = `counter|${entityId}`;
        await journal.write([{ persistenceId, events: [{ persistenceId, sequenceNr: 1, timestamp: 1, event: {}, manifest }] }]);
        const error = await start()
          .entity(counter({ eventAdapters: bindings }), entityId)
          .ask({ type: 'get' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RecoveryError);
        expect((error as Error).message).toMatch(
          new RegExp(`event 1 is stored with manifest "${manifest}", and its event adapter (threw: cannot read this|returned 42)`),
        );
      }
    });

    it('a manifest the binding does not read is refused before anything is stored; the command fails, state unchanged', async () => {
      const { start, id } = harness();
      const ref = start().entity(counter({ eventAdapters: bindings }), id());
      await ref.ask({ type: 'add', amount: 1 });
      const error = await ref.ask({ type: 'add', amount: 13 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/manifest "unlisted" is not among the manifests its binding reads/);
      expect(await ref.ask({ type: 'ctx' })).toMatchObject({ lastSequenceNr: 1 });
      expect(await ref.ask({ type: 'add', amount: 2 })).toBe(3);
    });

    it('apply to classic actors too: persist handlers get the domain event, recovery upcasts', async () => {
      const { start, id, journal } = harness();
      const persistenceId = id('ledger');
      const ref = start().actorOf(() => new AdaptedLedger(persistenceId));
      expect(await ref.ask({ type: 'add', amount: 4 })).toEqual({ type: 'added', amount: 4 });
      expect(journal.writes.at(-1)?.events[0]).toMatchObject({ event: { n: 4 }, manifest: 'added.v2' });
      const again = start().actorOf(() => new AdaptedLedger(persistenceId));
      expect(await again.ask({ type: 'get' })).toEqual([4]);
    });

    it('bindings are validated when the definition or actor is created', () => {
      const adapter = addedAdapter;
      const make = (eventAdapters: unknown) => defineEntity({ ...counterOptions(), eventAdapters: eventAdapters as never });
      expect(() => make({})).toThrow(/options.eventAdapters: expected an array/);
      expect(() => make([{ adapter: {}, manifests: ['a'] }])).toThrow(/options.eventAdapters\[0\].adapter.manifest: expected a function/);
      expect(() => make([{ adapter, manifests: [] }])).toThrow(/options.eventAdapters\[0\].manifests: expected a non-empty array/);
      expect(() => make([{ adapter, appliesTo: 1, manifests: ['a'] }])).toThrow(/options.eventAdapters\[0\].appliesTo/);
      expect(() =>
        make([
          { adapter, manifests: ['a'] },
          { adapter, manifests: ['b', 'a'] },
        ]),
      ).toThrow(/options.eventAdapters\[1\].manifests\[1\].*no other binding reads \(options.eventAdapters\[0\] reads it\)/);
      expect(() => defineEntity({ ...counterOptions(), eventAdapters: bindings })).not.toThrow();
    });

    it('an actor with bad bindings is refused by actorOf, naming the actor', () => {
      const { start, id } = harness();
      class Bad extends AdaptedLedger {
        override readonly eventAdapters = [{ adapter: addedAdapter, manifests: 'added.v2' }] as never;
      }
      expect(() => start().actorOf(() => new Bad(id()))).toThrow(/Bad.eventAdapters \(persistence id .*\)\[0\].manifests/);
    });
  });
}
