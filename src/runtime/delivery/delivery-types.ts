/**
 * The vocabulary of at-least-once delivery: destinations, deliveries, the delivery
 * snapshot and the warning about deliveries that stay unconfirmed.
 * @module
 */

/**
 * Where a delivery goes: an async function, or another entity's or actor's reference (told, not asked).
 * Declared with method syntax so that a function or reference typed for its own message is a
 * `DeliveryDestination` (methods are compared bivariantly): the address, not the type, decides what it receives.
 */
export type DeliveryDestination<Message = unknown> = { send(message: Message): unknown }['send'] | { tell(message: Message): void };

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
