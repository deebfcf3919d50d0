/** The counter entity the suite exercises: small, but with every effect reachable. */
import { defineEntity, Effect, type EntityOptions, type Signal } from '../../../src/index.js';

export interface CounterState {
  readonly value: number;
  /** Every amount applied, in order: catches lost or reordered events. */
  readonly applied: readonly number[];
}

export type CounterCommand =
  | { readonly type: 'add'; readonly amount: number }
  | { readonly type: 'addAll'; readonly amounts: readonly number[] }
  | { readonly type: 'persistRaw'; readonly event: unknown }
  | { readonly type: 'get' }
  | { readonly type: 'ctx' }
  | { readonly type: 'ignore' }
  | { readonly type: 'stop' }
  | { readonly type: 'addThenStop'; readonly amount: number }
  | { readonly type: 'snapshot'; readonly metadata?: unknown }
  | { readonly type: 'sideEffect'; readonly amount: number; readonly sink: number[] };

export interface CounterEvent {
  readonly type: 'added';
  readonly amount: number;
}

/** Amount whose event the event handler refuses (a poison event). */
export const POISON = -999_999;

export const emptyCounter: CounterState = Object.freeze({ value: 0, applied: Object.freeze([]) as readonly number[] });

/** Folds amounts the way the event handler does: the reference model. */
export const modelOf = (amounts: readonly number[]): CounterState => ({
  value: amounts.reduce((sum, n) => sum + n, 0),
  applied: [...amounts],
});

/** Options of the counter; tests override what they need. */
export function counterOptions(
  overrides: Partial<EntityOptions<CounterState, CounterCommand, CounterEvent>> = {},
  signals: Signal[] = [],
): EntityOptions<CounterState, CounterCommand, CounterEvent> {
  return {
    name: 'counter',
    emptyState: emptyCounter,
    commandHandler: (state, command, ctx) => {
      switch (command.type) {
        case 'add':
          return Effect.persist<CounterEvent>({ type: 'added', amount: command.amount }).thenReply((s: CounterState) => s.value);
        case 'addAll':
          return Effect.persist<CounterEvent>(command.amounts.map((amount) => ({ type: 'added' as const, amount }))).thenReply(
            (s: CounterState) => s.value,
          );
        case 'persistRaw':
          return Effect.persist(command.event as CounterEvent).thenReply((s: CounterState) => s.value);
        case 'get':
          return Effect.reply(state);
        case 'ctx':
          return Effect.reply({ persistenceId: ctx.persistenceId, entityId: ctx.entityId, lastSequenceNr: ctx.lastSequenceNr });
        case 'ignore':
          return Effect.unhandled();
        case 'stop':
          return Effect.stop();
        case 'addThenStop':
          return Effect.persist<CounterEvent, CounterState>({ type: 'added', amount: command.amount })
            .thenStop()
            .thenReply((s) => s.value);
        case 'snapshot':
          return Effect.none<CounterEvent, CounterState>()
            .thenSnapshot(command.metadata)
            .thenReply((s) => s.value);
        case 'sideEffect':
          return Effect.persist<CounterEvent, CounterState>({ type: 'added', amount: command.amount })
            .thenRun((s) => command.sink.push(s.value))
            .thenRun((s) => command.sink.push(s.value * 10));
      }
    },
    eventHandler: (state, event) => {
      if (event.amount === POISON) throw new Error('poison event');
      return { value: state.value + event.amount, applied: [...state.applied, event.amount] };
    },
    signalHandler: (_state, signal) => {
      signals.push(signal);
    },
    ...overrides,
  };
}

/** A counter definition. */
export const counter = (overrides: Partial<EntityOptions<CounterState, CounterCommand, CounterEvent>> = {}, signals: Signal[] = []) =>
  defineEntity(counterOptions(overrides, signals));
