/**
 * The counter entity every runtime scenario uses (append, recovery, peers, workload): one
 * event per `add`, a reply with the state, and the fold every peer runs too.
 * @module
 */
import type { MementoModule } from './common.js';

export type Counter = { value: number };
export type CounterCommand = { type: 'add'; quantity: number } | { type: 'get' };
export type CounterEvent = { type: 'incremented'; quantity: number; note: string };

/** The counter's definition; `snapshotEvery` adds a retention policy, `recovery` recovery options. */
export function counterEntity(memento: MementoModule, options: { snapshotEvery?: number; recovery?: { yieldEveryMs?: number } } = {}) {
  const { defineEntity, Effect } = memento;
  return defineEntity<Counter, CounterCommand, CounterEvent>({
    name: 'counter',
    emptyState: { value: 0 },
    commandHandler: (state, command) => {
      if (command.type === 'get') return Effect.reply(state.value);
      return Effect.persist<CounterEvent, Counter>({
        type: 'incremented',
        quantity: command.quantity,
        note: 'benchmark event of typical size',
      }).thenReply((s: Counter) => s.value);
    },
    eventHandler: (state, event) => ({ value: state.value + (event.quantity ?? 0) }),
    ...(options.recovery ? { recovery: options.recovery } : {}),
    ...(options.snapshotEvery ? { retention: { snapshotEvery: options.snapshotEvery, keepNSnapshots: 2 } } : {}),
  });
}

/** The counter's state after events 1..n of the fixtures (event k adds k % 5). */
export const stateAt = (n: number): number => {
  const full = Math.floor(n / 5);
  let value = full * 10;
  for (let k = full * 5 + 1; k <= n; k++) value += k % 5;
  return value;
};
