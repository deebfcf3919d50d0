import { describe, expectTypeOf, it } from 'vitest';
import { defineEntity, Effect, type EffectBuilder } from '../../src/index.js';

type Event = { readonly type: 'added'; readonly amount: number } | { readonly type: 'cleared' };

describe('Effect.persist', () => {
  it('keeps the literal type of an event', () => {
    const effect = Effect.persist({ type: 'added', amount: 1 });
    expectTypeOf(effect).toExtend<EffectBuilder<Event, never>>();
  });
  it('keeps literal types in a list of events', () => {
    const amount: number = 2;
    const effect = Effect.persist([{ type: 'added', amount }, { type: 'cleared' }]);
    expectTypeOf(effect).toExtend<EffectBuilder<Event, never>>();
  });
  it('needs no explicit generics in a command handler', () => {
    const definition = defineEntity<{ total: number }, { type: 'add'; amount: number } | { type: 'clear' }, Event>({
      name: 'typed-effects',
      emptyState: { total: 0 },
      commandHandler: (state, command) => {
        if (command.type === 'clear') return state.total === 0 ? Effect.none() : Effect.persist({ type: 'cleared' });
        const added = Effect.persist({ type: 'added', amount: command.amount });
        return added.thenReply((next: { total: number }) => next.total);
      },
      eventHandler: (state, event) => (event.type === 'added' ? { total: state.total + event.amount } : { total: 0 }),
    });
    expectTypeOf(definition.emptyState).toEqualTypeOf<{ total: number }>();
  });
  it('refuses an event type the entity does not have', () => {
    defineEntity<{ total: number }, 'add', Event>({
      name: 'wrong-event',
      emptyState: { total: 0 },
      // @ts-expect-error 'removed' is not an event of this entity
      commandHandler: () => Effect.persist({ type: 'removed' }),
      eventHandler: (state) => state,
    });
  });
});
