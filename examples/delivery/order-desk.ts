/**
 * An order desk that must get every placed order to the shipping service at least once,
 * across crashes: it persists `order-placed` (whose handler calls `deliver`) and
 * `shipment-confirmed` (whose handler calls `confirmDelivery`), and keeps the delivery
 * state in its snapshots.
 */
import {
  type ActorResultMessage,
  AtLeastOnceDeliveryActor,
  type AtLeastOnceDeliveryOptions,
  type AtLeastOnceDeliverySnapshot,
  type DeliveryDestination,
  type RecoveryMessage,
} from '../../src/index.js';

/** What the shipping service receives. */
export interface ShipOrder {
  readonly deliveryId: number;
  readonly orderId: string;
}

/** Commands of the desk. */
export type DeskCommand =
  | { readonly type: 'place'; readonly orderId: string }
  | { readonly type: 'shipped'; readonly deliveryId: number }
  | { readonly type: 'pending' };

/** Events of the desk. */
export type DeskEvent =
  | { readonly type: 'order-placed'; readonly orderId: string }
  | { readonly type: 'shipment-confirmed'; readonly deliveryId: number };

/** The desk's snapshot: nothing but its delivery state. */
export interface DeskSnapshot {
  readonly delivery: AtLeastOnceDeliverySnapshot<ShipOrder>;
}

/** The classic actor. `shipping` is how this process reaches the shipping service. */
export class OrderDesk extends AtLeastOnceDeliveryActor<DeskCommand, DeskEvent, DeskSnapshot> {
  readonly persistenceId = 'order-desk';
  override readonly retention = { keepNSnapshots: 1 };

  constructor(
    private readonly shipping: DeliveryDestination<ShipOrder>,
    override readonly atLeastOnceDelivery: AtLeastOnceDeliveryOptions,
  ) {
    super();
  }

  /** Addresses are stored in events and snapshots; here there is one. */
  resolveDestination(destination: string): DeliveryDestination {
    if (destination !== 'shipping') throw new Error(`unknown destination ${destination}`);
    return this.shipping;
  }

  /** The one place deliveries change: live in persist handlers, and again on replay. */
  #apply(event: DeskEvent): void {
    if (event.type === 'order-placed') this.deliver('shipping', (deliveryId): ShipOrder => ({ deliveryId, orderId: event.orderId }));
    else this.confirmDelivery(event.deliveryId);
  }

  receiveRecover(message: RecoveryMessage<DeskEvent, DeskSnapshot>): void {
    if (message.type === 'SnapshotOffer') this.setDeliverySnapshot(message.snapshot.delivery);
    else if (message.type !== 'RecoveryCompleted') this.#apply(message);
  }

  receiveCommand(message: DeskCommand | ActorResultMessage): void {
    switch (message.type) {
      case 'place':
        this.persist({ type: 'order-placed', orderId: message.orderId }, (event) => {
          this.#apply(event);
          this.reply(this.lastSequenceNr);
        });
        return;
      case 'shipped':
        this.persist({ type: 'shipment-confirmed', deliveryId: message.deliveryId }, (event) => {
          this.#apply(event);
          if (this.lastSequenceNr % 5 === 0) void this.saveSnapshot({ delivery: this.getDeliverySnapshot() as DeskSnapshot['delivery'] });
        });
        return;
      case 'pending':
        this.reply(this.numberOfUnconfirmed);
        return;
      case 'UnconfirmedWarning':
        this.log.warn('shipping has not confirmed these orders yet', {
          orders: message.unconfirmedDeliveries.map((d) => (d.message as ShipOrder).orderId),
        });
        return;
      default:
        return;
    }
  }
}
