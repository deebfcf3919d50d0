/** A typed entity with at-least-once delivery: its state keeps an outbox built with `Deliveries`. */
import {
  type AtLeastOnceDeliveryOptions,
  type AtLeastOnceDeliverySnapshot,
  Deliveries,
  type DeliveryDestination,
  defineEntity,
  Effect,
  type Signal,
} from '../../../src/index.js';

/** What the destination receives. */
export interface OutboxMessage {
  readonly deliveryId: number;
  readonly payload: string;
}

export interface OutboxState {
  readonly outbox: AtLeastOnceDeliverySnapshot<OutboxMessage>;
}

export type OutboxCommand =
  | { readonly type: 'send'; readonly payload: string }
  | { readonly type: 'sendMany'; readonly payloads: readonly string[] }
  | { readonly type: 'confirm'; readonly deliveryId: number }
  | { readonly type: 'get' }
  | { readonly type: 'snapshot' }
  | { readonly type: 'stop' };

export type OutboxEvent = { readonly type: 'sent'; readonly payload: string } | { readonly type: 'confirmed'; readonly deliveryId: number };

/** An outbox definition delivering to `destinations` by address. */
export function outbox(
  destinations: Readonly<Record<string, DeliveryDestination>>,
  options: AtLeastOnceDeliveryOptions = { redeliverInterval: 1000 },
  signals: Signal[] = [],
) {
  return defineEntity<OutboxState, OutboxCommand, OutboxEvent>({
    name: 'outbox',
    emptyState: { outbox: Deliveries.empty },
    commandHandler: (state, command) => {
      switch (command.type) {
        case 'send':
          return Effect.persist<OutboxEvent>({ type: 'sent', payload: command.payload }).thenReply(
            (s: OutboxState) => s.outbox.currentDeliveryId,
          );
        case 'sendMany':
          return Effect.persist<OutboxEvent>(command.payloads.map((payload) => ({ type: 'sent' as const, payload })));
        case 'confirm':
          if (!Deliveries.isUnconfirmed(state.outbox, command.deliveryId)) return Effect.reply(false);
          return Effect.persist<OutboxEvent>({ type: 'confirmed', deliveryId: command.deliveryId }).thenReply(() => true);
        case 'get':
          return Effect.reply(state);
        case 'snapshot':
          return Effect.none<OutboxEvent, OutboxState>().thenSnapshot();
        case 'stop':
          return Effect.stop();
      }
    },
    eventHandler: (state, event) => ({
      outbox:
        event.type === 'sent'
          ? Deliveries.deliver(state.outbox, 'receiver', (deliveryId): OutboxMessage => ({ deliveryId, payload: event.payload }))
          : Deliveries.confirm(state.outbox, event.deliveryId),
    }),
    signalHandler: (_state, signal) => {
      signals.push(signal);
    },
    atLeastOnceDelivery: {
      ...options,
      deliveries: (state) => state.outbox,
      resolveDestination: (destination) => {
        const found = destinations[destination];
        if (!found) throw new Error(`no destination ${destination}`);
        return found;
      },
    },
  });
}
