/**
 * At-least-once delivery for classic actors, as Akka's `AtLeastOnceDelivery`: `deliver`
 * sends a message and redelivers it until `confirmDelivery` is called with its id. Call
 * both from persist handlers (and the same code from `receiveRecover`), so replay rebuilds
 * the delivery state; keep `getDeliverySnapshot()` in the actor's snapshots. After a crash,
 * recovery redelivers every delivery that was not confirmed.
 * @module
 */

import { extendActor, PersistentActor, runtimeOf } from '../classic/persistent-actor.js';
import type { AtLeastOnceDeliveryOptions } from './delivery-options.js';
import { deliverySettings } from './delivery-options.js';
import { DeliveryTracker } from './delivery-tracker.js';
import type { AtLeastOnceDeliverySnapshot, DeliveryDestination } from './delivery-types.js';

/** A PersistentActor that delivers messages at least once. */
export abstract class AtLeastOnceDeliveryActor<Command = unknown, Event = unknown, Snapshot = unknown> extends PersistentActor<
  Command,
  Event,
  Snapshot
> {
  /** Redelivery interval, burst limit, warning threshold and unconfirmed limit. @default Akka's: 5000 ms, 10000, 5, 100000 */
  readonly atLeastOnceDelivery: AtLeastOnceDeliveryOptions | undefined = undefined;
  #deliveries: DeliveryTracker | undefined;

  constructor() {
    super();
    extendActor(this, {
      validate: (at) => {
        deliverySettings(this.atLeastOnceDelivery, at('atLeastOnceDelivery'));
      },
      recovered: () => this.#tracker().start(),
      stopped: () => this.#deliveries?.stop(),
    });
  }

  /**
   * Turns a destination address (as given to `deliver`, and kept in delivery snapshots) into
   * an async function or a reference to tell. Called at every (re)delivery.
   */
  abstract resolveDestination(destination: string): DeliveryDestination;

  /**
   * Sends `deliveryIdToMessage(deliveryId)` to `destination` now (during replay: after
   * recovery) and again every `redeliverInterval` until `confirmDelivery(deliveryId)`.
   * Throws MaxUnconfirmedMessagesExceededError when `maxUnconfirmedMessages` are unconfirmed.
   */
  deliver(destination: string, deliveryIdToMessage: (deliveryId: number) => unknown): number {
    return this.#tracker().deliver(destination, deliveryIdToMessage);
  }

  /** Stops redelivering `deliveryId`; false when it was not unconfirmed (a duplicate confirmation). */
  confirmDelivery(deliveryId: number): boolean {
    return this.#tracker().confirm(deliveryId);
  }

  /** Deliveries sent but not confirmed yet. */
  get numberOfUnconfirmed(): number {
    return this.#tracker().numberOfUnconfirmed;
  }

  /** The delivery state as plain data: keep it in the actor's snapshot. */
  getDeliverySnapshot(): AtLeastOnceDeliverySnapshot {
    return this.#tracker().snapshot();
  }

  /** Restores the delivery state from a snapshot (in `receiveRecover`, on the SnapshotOffer). */
  setDeliverySnapshot(snapshot: AtLeastOnceDeliverySnapshot): void {
    this.#tracker().restore(snapshot);
  }

  #tracker(): DeliveryTracker {
    if (this.#deliveries) return this.#deliveries;
    const runtime = runtimeOf(this);
    const at = `${this.constructor.name}.atLeastOnceDelivery (persistence id ${JSON.stringify(runtime.persistenceId)})`;
    this.#deliveries = new DeliveryTracker(deliverySettings(this.atLeastOnceDelivery, at), {
      persistenceId: runtime.persistenceId,
      owner: 'actor',
      logger: () => runtime.log,
      resolve: (destination) => this.resolveDestination(destination),
      notify: (warning) => runtime.notify(warning),
    });
    return this.#deliveries;
  }
}
