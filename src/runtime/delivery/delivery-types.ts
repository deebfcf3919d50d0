/**
 * The vocabulary of at-least-once delivery: destinations, deliveries, the delivery
 * snapshot and the warning about deliveries that stay unconfirmed.
 * @module
 */

// Method syntax makes both shapes bivariant in Message, so a function or reference typed for
// one message type (`(order: ShipOrder) => ...`, `EntityRef<OrderCommand>`) is a destination.
/**
 * Where a delivery goes: an async function, or another entity's or actor's reference (told, not
 * asked).
 */
export type DeliveryDestination<Message = unknown> =
  | { bivarianceHack(message: Message): unknown }['bivarianceHack']
  | { tell(message: Message): void };

/** A delivery not confirmed yet. */
export interface UnconfirmedDelivery<Message = unknown> {
  readonly deliveryId: number;
  /** The destination's address, as given to `deliver` (resolved by `resolveDestination`). */
  readonly destination: string;
  readonly message: Message;
}

/** The delivery state to keep in the actor's snapshots: `getDeliverySnapshot()` / `setDeliverySnapshot(s)`. Plain data. */
export interface AtLeastOnceDeliverySnapshot<Message = unknown> {
  /** The last delivery id handed out (the next is one higher). */
  readonly currentDeliveryId: number;
  /** Oldest first. */
  readonly unconfirmedDeliveries: readonly UnconfirmedDelivery<Message>[];
}

/** Sent to the actor (`receiveCommand`) when deliveries reach `warnAfterNumberOfUnconfirmedAttempts`; each is listed once. */
export interface UnconfirmedWarning<Message = unknown> {
  readonly type: 'UnconfirmedWarning';
  readonly unconfirmedDeliveries: readonly (UnconfirmedDelivery<Message> & { readonly attempt: number })[];
}

/** Builds an {@link UnconfirmedWarning}. */
export const UnconfirmedWarning = <Message>(
  unconfirmedDeliveries: readonly (UnconfirmedDelivery<Message> & { readonly attempt: number })[],
): UnconfirmedWarning<Message> => ({ type: 'UnconfirmedWarning', unconfirmedDeliveries });
