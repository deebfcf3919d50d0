import { describe, expect, it } from 'vitest';
import {
  defineEntity,
  Effect,
  ErrorCodes,
  InvalidArgumentError,
  type RepliesWith,
  type Serializer,
  UnhandledCommandError,
} from '../../src/index.js';
import { eventSourcedTestKit } from '../../src/testkit/index.js';
import { closingAfterEach } from '../support/closing-after-each.js';

type CartCommand =
  | ({ readonly type: 'add'; readonly item: string } & RepliesWith<number>)
  | ({ readonly type: 'checkout' } & RepliesWith<string>)
  | { readonly type: 'noop' };
type CartEvent = { readonly type: 'added'; readonly item: string } | { readonly type: 'checkedOut' };
interface Cart {
  readonly items: readonly string[];
  readonly closed: boolean;
}

const Cart = defineEntity<Cart, CartCommand, CartEvent>({
  name: 'cart',
  emptyState: { items: [], closed: false },
  commandHandler: (state, command) => {
    switch (command.type) {
      case 'add':
        if (state.closed) return Effect.unhandled();
        return Effect.persist({ type: 'added', item: command.item }).thenReply((next: Cart) => next.items.length);
      case 'checkout':
        return Effect.persist<CartEvent, Cart>({ type: 'checkedOut' }).thenReply(() => 'done');
      case 'noop':
        return Effect.none();
    }
  },
  eventHandler: (state, event) => (event.type === 'added' ? { ...state, items: [...state.items, event.item] } : { ...state, closed: true }),
});

const kitOf = closingAfterEach();

describe('eventSourcedTestKit', () => {
  it('returns the events persisted, the reply and the state of each command', async () => {
    const kit = kitOf(eventSourcedTestKit(Cart, { entityId: 'c1' }));
    const first = await kit.run({ type: 'add', item: 'apple' });
    expect(first.events).toEqual([{ type: 'added', item: 'apple' }]);
    expect(first.reply).toBe(1);
    expect(first.state).toEqual({ items: ['apple'], closed: false });
    const none = await kit.run({ type: 'noop' });
    expect(none.events).toEqual([]);
    expect(none.reply).toBeUndefined();
    expect(none.state).toEqual(first.state);
    expect(kit.persistenceId).toBe('cart|c1');
    expect(await kit.persistedEvents()).toEqual([{ type: 'added', item: 'apple' }]);
    expect(await kit.lastSequenceNr()).toBe(1);
  });

  it('recovers the same state after a restart', async () => {
    const kit = kitOf(eventSourcedTestKit(Cart));
    await kit.run({ type: 'add', item: 'apple' });
    const last = await kit.run({ type: 'checkout' });
    expect(last.reply).toBe('done');
    expect(await kit.restart()).toEqual({ items: ['apple'], closed: true });
    await expect(kit.run({ type: 'add', item: 'pear' })).rejects.toBeInstanceOf(UnhandledCommandError);
  });

  it('fails a restart whose recovery gives another state, naming the difference', async () => {
    let replaying = false;
    const Drifting = defineEntity<{ count: number }, 'inc', 'inc'>({
      name: 'drifting',
      emptyState: { count: 0 },
      commandHandler: () => Effect.persist<'inc', { count: number }>('inc'),
      // Not pure: counts twice once "replaying" is set, as a handler reading a clock or a global would.
      eventHandler: (state) => ({ count: state.count + (replaying ? 2 : 1) }),
    });
    const kit = kitOf(eventSourcedTestKit(Drifting));
    await kit.run('inc');
    replaying = true;
    await expect(kit.restart()).rejects.toThrow(/state\.count is the number 1, read back as the number 2/);
  });

  it('fails the command when an event would not survive the serializer, naming the path', async () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const Wallet = defineEntity<{ total: number }, 'pay', { readonly type: 'paid'; readonly amount: Money }>({
      name: 'wallet',
      emptyState: { total: 0 },
      commandHandler: () => Effect.persist({ type: 'paid' as const, amount: new Money(5) }),
      eventHandler: (state, event) => ({ total: state.total + event.amount.cents }),
    });
    const kit = kitOf(eventSourcedTestKit(Wallet));
    const error = await kit.run('pay').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCodes.serialization, persistenceId: 'wallet|test' });
    expect(String((error as Error).message)).toMatch(/event\.amount/);
    expect(await kit.persistedEvents()).toEqual([]);
  });

  it('fails when the state would not survive the configured serializer, naming the path', async () => {
    // A plain JSON serializer, as an application might configure: it turns a Map into {}.
    const plainJson: Serializer = {
      id: 'plain-json',
      manifest: () => '',
      toBinary: (value) => Buffer.from(JSON.stringify(value)),
      fromBinary: (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')),
    };
    const Tally = defineEntity<{ readonly byName: Map<string, number> }, string, string>({
      name: 'tally',
      emptyState: { byName: new Map() },
      commandHandler: (_state, name) => Effect.persist<string, { byName: Map<string, number> }>(name),
      eventHandler: (state, name) => ({ byName: new Map(state.byName).set(name, (state.byName.get(name) ?? 0) + 1) }),
    });
    const kit = kitOf(eventSourcedTestKit(Tally, { serialization: plainJson }));
    await expect(kit.run('ada')).rejects.toThrow(/state\.byName is a Map/);
  });

  it('validates its arguments', () => {
    expect(() => eventSourcedTestKit({} as never)).toThrow(InvalidArgumentError);
    expect(() => eventSourcedTestKit(Cart, { serialization: 42 as never })).toThrow(/options\.serialization/);
  });
});
