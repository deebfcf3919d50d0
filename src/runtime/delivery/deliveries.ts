/**
 * `Deliveries`: at-least-once delivery state as an immutable value, for typed entities that
 * keep it in their state. The event handler records deliveries and confirmations with
 * these pure functions; the runtime sends and redelivers what the state lists.
 * @module
 */
import { invalidArgument, validateFunction, validateInteger } from '../../core/validation.js';
import type { AtLeastOnceDeliverySnapshot } from './delivery-types.js';

/** Builders of delivery states (plain data, so they snapshot with the entity's state). */
export const Deliveries = {
  /** No delivery yet. */
  empty: Object.freeze({ currentDeliveryId: 0, unconfirmedDeliveries: Object.freeze([]) }) as AtLeastOnceDeliverySnapshot<never>,

  /** `deliveries` plus a delivery of `deliveryIdToMessage(id)` to the `destination` address, with the next id. */
  deliver<Message>(
    deliveries: AtLeastOnceDeliverySnapshot<Message>,
    destination: string,
    deliveryIdToMessage: (deliveryId: number) => Message,
  ): AtLeastOnceDeliverySnapshot<Message> {
    if (typeof destination !== 'string' || destination.length === 0)
      invalidArgument('destination', 'a non-empty address string', destination);
    validateFunction(deliveryIdToMessage, 'deliveryIdToMessage');
    const deliveryId = validateInteger(deliveries?.currentDeliveryId, 'deliveries.currentDeliveryId') + 1;
    return {
      currentDeliveryId: deliveryId,
      unconfirmedDeliveries: [...deliveries.unconfirmedDeliveries, { deliveryId, destination, message: deliveryIdToMessage(deliveryId) }],
    };
  },

  /** `deliveries` without delivery `deliveryId` (unchanged when it was not unconfirmed). */
  confirm<Message>(deliveries: AtLeastOnceDeliverySnapshot<Message>, deliveryId: number): AtLeastOnceDeliverySnapshot<Message> {
    validateInteger(deliveryId, 'deliveryId', {}, { min: 1 });
    const unconfirmedDeliveries = deliveries.unconfirmedDeliveries.filter((delivery) => delivery.deliveryId !== deliveryId);
    return unconfirmedDeliveries.length === deliveries.unconfirmedDeliveries.length ? deliveries : { ...deliveries, unconfirmedDeliveries };
  },

  /** True when `deliveryId` is waiting for its confirmation. */
  isUnconfirmed(deliveries: AtLeastOnceDeliverySnapshot, deliveryId: number): boolean {
    return deliveries.unconfirmedDeliveries.some((delivery) => delivery.deliveryId === deliveryId);
  },
};
