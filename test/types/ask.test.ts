import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createPersistence,
  defineEntity,
  Effect,
  MemoryJournal,
  MemorySnapshotStore,
  type RepliesWith,
  type ReplyOf,
} from '../../src/index.js';

type Add = { readonly type: 'add'; readonly amount: number } & RepliesWith<number>;
type Get = { readonly type: 'get' } & RepliesWith<{ readonly total: number }>;
type Reset = { readonly type: 'reset' };
type Command = Add | Get | Reset;

const Counter = defineEntity<{ total: number }, Command, { type: 'added'; amount: number } | { type: 'reset' }>({
  name: 'typed-counter',
  emptyState: { total: 0 },
  commandHandler: (state, command) => {
    switch (command.type) {
      case 'add':
        return Effect.persist({ type: 'added', amount: command.amount }).thenReply((next: { total: number }) => next.total);
      case 'get':
        return Effect.reply({ total: state.total });
      case 'reset':
        return Effect.persist({ type: 'reset' });
    }
  },
  eventHandler: (state, event) => (event.type === 'added' ? { total: state.total + event.amount } : { total: 0 }),
});

const persistence = createPersistence({ journal: new MemoryJournal(), snapshotStore: new MemorySnapshotStore() });
const ref = persistence.entity(Counter, 'one');
afterAll(() => persistence.close());

describe('ask', () => {
  it('infers the reply type declared on the command', async () => {
    const added = ref.ask({ type: 'add', amount: 2 });
    expectTypeOf(added).toEqualTypeOf<Promise<number>>();
    expect(await added).toBe(2);
    const got = ref.ask({ type: 'get' });
    expectTypeOf(got).toEqualTypeOf<Promise<{ readonly total: number }>>();
    expect(await got).toEqual({ total: 2 });
  });
  it('gives unknown for a command that declares no reply', async () => {
    const reset = ref.ask({ type: 'reset' });
    expectTypeOf(reset).toEqualTypeOf<Promise<unknown>>();
    expect(await reset).toBeUndefined();
  });
  it('still takes the reply type from the caller', async () => {
    const stated = ref.ask<{ total: number }>({ type: 'get' });
    expectTypeOf(stated).toEqualTypeOf<Promise<{ total: number }>>();
    expect(await stated).toEqual({ total: 0 });
  });
  it('gives the union of replies for a command of the whole union type', () => {
    expectTypeOf<ReplyOf<Command>>().toEqualTypeOf<number | { readonly total: number } | unknown>();
    expectTypeOf<ReplyOf<Command, Add>>().toEqualTypeOf<number>();
  });
  it('refuses a command that is not one of the entity commands', async () => {
    // @ts-expect-error 'remove' is not a command of this entity
    await expect(ref.ask({ type: 'remove' })).rejects.toThrow();
  });
});
