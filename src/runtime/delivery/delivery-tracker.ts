/**
 * The state and timing of at-least-once delivery for one actor incarnation: delivery ids,
 * the unconfirmed deliveries, redelivery rounds on an unref'd timer, warnings, and the
 * snapshot of it all. Front-end neutral: the actor supplies how to resolve and notify.
 * @module
 */
import { describeValue } from '../../core/errors.js';
import { type OneShotTimer, startRepeating } from '../../core/timers.js';
import { invalidArgument, validateFunction, validateInteger } from '../../core/validation.js';
import type { Logger } from '../../observability/logger.js';
import { MaxUnconfirmedMessagesExceededError } from '../cell/runtime-errors.js';
import type { DeliverySettings } from './delivery-options.js';
import {
  type AtLeastOnceDeliverySnapshot,
  type DeliveryDestination,
  type UnconfirmedDelivery,
  UnconfirmedWarning,
} from './delivery-types.js';

/** What the tracker needs from its actor. */
export interface DeliveryTrackerDeps {
  readonly persistenceId: string;
  /** Names the owner in errors: `actor` or `entity`. */
  readonly owner: 'actor' | 'entity';
  readonly logger: () => Logger;
  /** Turns an address into a destination. */
  readonly resolve: (destination: string) => DeliveryDestination;
  /** Sends a warning to the actor. */
  readonly notify: (warning: UnconfirmedWarning) => void;
}

interface Delivery {
  readonly deliveryId: number;
  readonly destination: string;
  readonly message: unknown;
  attempt: number;
  /** When it was last sent (epoch ms); -Infinity: overdue now. */
  sentAt: number;
}

/** One incarnation's deliveries. */
export class DeliveryTracker {
  #currentDeliveryId = 0;
  readonly #unconfirmed = new Map<number, Delivery>();
  #timer: OneShotTimer | undefined;
  #live = false;
  #stopped = false;

  constructor(
    private readonly settings: DeliverySettings,
    private readonly deps: DeliveryTrackerDeps,
  ) {}

  /** Deliveries not confirmed yet. */
  get numberOfUnconfirmed(): number {
    return this.#unconfirmed.size;
  }

  /** Records a delivery and sends it (unless replaying); returns its id. */
  deliver(destination: string, deliveryIdToMessage: (deliveryId: number) => unknown): number {
    const context = { persistenceId: this.deps.persistenceId };
    if (typeof destination !== 'string' || destination.length === 0) {
      invalidArgument('destination', 'a non-empty address string', destination, context);
    }
    validateFunction(deliveryIdToMessage, 'deliveryIdToMessage', context);
    // Replay only rebuilds deliveries that were accepted before: the limit guards new ones.
    if (this.#live) this.assertCapacity(this.#unconfirmed.size + 1, `nothing was delivered to ${JSON.stringify(destination)}`);
    const deliveryId = this.#currentDeliveryId + 1;
    const delivery: Delivery = {
      deliveryId,
      destination,
      message: deliveryIdToMessage(deliveryId),
      attempt: 0,
      sentAt: Number.NEGATIVE_INFINITY,
    };
    this.#currentDeliveryId = deliveryId;
    this.#unconfirmed.set(deliveryId, delivery);
    // Until recovery completed (start), deliveries are recorded, not sent.
    if (this.#live) {
      this.#send(delivery);
      this.#warn([delivery]);
      this.#schedule();
    }
    return deliveryId;
  }

  /** Throws MaxUnconfirmedMessagesExceededError when `unconfirmed` deliveries would exceed `maxUnconfirmedMessages`. */
  assertCapacity(unconfirmed: number, consequence: string): void {
    const max = this.settings.maxUnconfirmedMessages;
    if (unconfirmed <= max) return;
    throw new MaxUnconfirmedMessagesExceededError(
      `${this.deps.owner} ${JSON.stringify(this.deps.persistenceId)}: ${unconfirmed} unconfirmed deliveries would exceed maxUnconfirmedMessages ${max}; ${consequence}`,
      { persistenceId: this.deps.persistenceId, expected: `<= ${max} unconfirmed deliveries`, actual: unconfirmed },
    );
  }

  /** Confirms a delivery; false when it was not unconfirmed (already confirmed, or unknown). */
  confirm(deliveryId: number): boolean {
    validateInteger(deliveryId, 'deliveryId', { persistenceId: this.deps.persistenceId }, { min: 1 });
    const found = this.#unconfirmed.delete(deliveryId);
    if (this.#unconfirmed.size === 0) this.#cancel();
    return found;
  }

  /** The delivery state as plain data, for the actor's snapshot. */
  snapshot(): AtLeastOnceDeliverySnapshot {
    const unconfirmedDeliveries: UnconfirmedDelivery[] = [...this.#unconfirmed.values()]
      .sort((a, b) => a.deliveryId - b.deliveryId)
      .map(({ deliveryId, destination, message }) => ({ deliveryId, destination, message }));
    return { currentDeliveryId: this.#currentDeliveryId, unconfirmedDeliveries };
  }

  /** Replaces the delivery state with a snapshot's; its deliveries are sent again at the next round. */
  restore(snapshot: AtLeastOnceDeliverySnapshot): void {
    const { current, entries } = this.#check(snapshot, 'snapshot');
    this.#currentDeliveryId = current;
    this.#unconfirmed.clear();
    for (const entry of entries) this.#unconfirmed.set(entry.deliveryId, { ...entry, attempt: 0, sentAt: Number.NEGATIVE_INFINITY });
    if (this.#live) this.#schedule();
  }

  /**
   * Follows a delivery state kept elsewhere (a typed entity's state): deliveries new to the
   * tracker are sent now (once live), ones missing from it count as confirmed.
   */
  sync(deliveries: AtLeastOnceDeliverySnapshot, argument: string): void {
    const { current, entries } = this.#check(deliveries, argument);
    this.#currentDeliveryId = current;
    const present = new Set<number>();
    const added: Delivery[] = [];
    for (const entry of entries) {
      present.add(entry.deliveryId);
      if (this.#unconfirmed.has(entry.deliveryId)) continue;
      const delivery: Delivery = { ...entry, attempt: 0, sentAt: Number.NEGATIVE_INFINITY };
      this.#unconfirmed.set(entry.deliveryId, delivery);
      added.push(delivery);
    }
    for (const deliveryId of [...this.#unconfirmed.keys()]) if (!present.has(deliveryId)) this.#unconfirmed.delete(deliveryId);
    if (this.#unconfirmed.size === 0) this.#cancel();
    if (!this.#live) return;
    for (const delivery of added) this.#send(delivery);
    this.#warn(added);
    this.#schedule();
  }

  #check(snapshot: AtLeastOnceDeliverySnapshot, argument: string): { current: number; entries: UnconfirmedDelivery[] } {
    const context = { persistenceId: this.deps.persistenceId };
    if (typeof snapshot !== 'object' || snapshot === null || !Array.isArray(snapshot.unconfirmedDeliveries)) {
      invalidArgument(argument, 'an AtLeastOnceDeliverySnapshot { currentDeliveryId, unconfirmedDeliveries }', snapshot, context);
    }
    const current = validateInteger(snapshot.currentDeliveryId, `${argument}.currentDeliveryId`, context, { min: 0 });
    const entries = snapshot.unconfirmedDeliveries.map((entry, index) => {
      const at = `${argument}.unconfirmedDeliveries[${index}]`;
      if (typeof entry !== 'object' || entry === null) invalidArgument(at, 'an UnconfirmedDelivery', entry, context);
      const deliveryId = validateInteger(entry.deliveryId, `${at}.deliveryId`, context, { min: 1 });
      if (deliveryId > current) invalidArgument(`${at}.deliveryId`, `at most currentDeliveryId ${current}`, deliveryId, context);
      if (typeof entry.destination !== 'string' || entry.destination.length === 0) {
        invalidArgument(`${at}.destination`, 'a non-empty address string', entry.destination, context);
      }
      return { deliveryId, destination: entry.destination, message: entry.message };
    });
    return { current, entries };
  }

  /** Recovery completed: send what is overdue (everything replayed or restored) and start the redelivery rounds. */
  start(): void {
    if (this.#stopped) return;
    this.#live = true;
    this.redeliverOverdue();
    this.#schedule();
  }

  /** The incarnation was dropped: no more sends or rounds. */
  stop(): void {
    this.#stopped = true;
    this.#live = false;
    this.#cancel();
  }

  /** One redelivery round: resends deliveries unconfirmed for `redeliverInterval`, oldest first, up to the burst limit. */
  redeliverOverdue(): void {
    if (!this.#live) return;
    const deadline = Date.now() - this.settings.redeliverInterval;
    const due: Delivery[] = [];
    for (const delivery of [...this.#unconfirmed.values()].sort((a, b) => a.deliveryId - b.deliveryId)) {
      if (due.length >= this.settings.redeliveryBurstLimit) break;
      if (delivery.sentAt <= deadline) due.push(delivery);
    }
    for (const delivery of due) this.#send(delivery);
    this.#warn(due);
  }

  #send(delivery: Delivery): void {
    delivery.attempt++;
    delivery.sentAt = Date.now();
    const fields = { persistenceId: this.deps.persistenceId, deliveryId: delivery.deliveryId, destination: delivery.destination };
    const failed = (error: unknown) =>
      this.deps
        .logger()
        .warn('[memento] [runtime] delivery failed; it is redelivered until confirmed', { ...fields, error: String(error) });
    try {
      const destination = this.deps.resolve(delivery.destination);
      if (typeof destination === 'function') {
        void Promise.resolve()
          .then(() => destination(delivery.message))
          .catch(failed);
      } else if (typeof destination === 'object' && destination !== null && typeof destination.tell === 'function') {
        destination.tell(delivery.message);
      } else {
        failed(
          new Error(
            `resolveDestination(${JSON.stringify(delivery.destination)}) returned ${describeValue(destination)}, not a function or a reference`,
          ),
        );
      }
    } catch (error) {
      failed(error);
    }
  }

  /** Tells the actor about deliveries that just reached the warning threshold (each once). */
  #warn(sent: readonly Delivery[]): void {
    const threshold = this.settings.warnAfterNumberOfUnconfirmedAttempts;
    const reached = sent.filter((delivery) => delivery.attempt === threshold);
    if (reached.length === 0) return;
    this.deps.notify(
      UnconfirmedWarning(reached.map(({ deliveryId, destination, message, attempt }) => ({ deliveryId, destination, message, attempt }))),
    );
  }

  #schedule(): void {
    if (this.#timer || this.#stopped || this.#unconfirmed.size === 0) return;
    const every = Math.max(1, Math.floor(this.settings.redeliverInterval / 2));
    this.#timer = startRepeating(every, () => this.redeliverOverdue());
  }

  #cancel(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
