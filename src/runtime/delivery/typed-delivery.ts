/**
 * At-least-once delivery for typed entities. The delivery state lives in the entity's
 * state (built with `Deliveries` in the event handler, so replay and snapshots restore it);
 * the runtime follows it: it sends new deliveries once stored, redelivers unconfirmed ones,
 * and refuses commands whose events would exceed `maxUnconfirmedMessages`.
 * @module
 */
import { invalidArgument, validateFunction } from '../../core/validation.js';
import type { EntityHandle } from '../cell/entity-behavior.js';
import { type AtLeastOnceDeliveryOptions, type DeliverySettings, deliverySettings } from './delivery-options.js';
import { DeliveryTracker } from './delivery-tracker.js';
import type { AtLeastOnceDeliverySnapshot, DeliveryDestination } from './delivery-types.js';

/** The `atLeastOnceDelivery` option of `defineEntity`. */
export interface TypedDeliveryOptions<State> extends AtLeastOnceDeliveryOptions {
  /** Where the state keeps its deliveries (built with `Deliveries.deliver` / `Deliveries.confirm`). */
  deliveries(state: State): AtLeastOnceDeliverySnapshot;
  /** Turns a destination address into an async function or a reference to tell; called at every (re)delivery. */
  resolveDestination(destination: string): DeliveryDestination;
}

/** Validated typed delivery options. */
export interface TypedDeliverySettings<State> {
  readonly settings: DeliverySettings;
  readonly deliveries: (state: State) => AtLeastOnceDeliverySnapshot;
  readonly resolveDestination: (destination: string) => DeliveryDestination;
}

/** Validates the option (`argument` names it in errors). */
export function typedDeliverySettings<State>(
  options: TypedDeliveryOptions<State> | undefined,
  argument: string,
): TypedDeliverySettings<State> | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) invalidArgument(argument, 'an at-least-once delivery options object', options);
  validateFunction(options.deliveries, `${argument}.deliveries`);
  validateFunction(options.resolveDestination, `${argument}.resolveDestination`);
  const { deliveries, resolveDestination, ...rest } = options;
  return {
    settings: deliverySettings(rest, argument),
    deliveries: (state) => deliveries.call(options, state),
    resolveDestination: (destination) => resolveDestination.call(options, destination),
  };
}

/** One typed entity incarnation's delivery: follows the state, sends and redelivers. */
export class TypedDelivery<State> {
  readonly #tracker: DeliveryTracker;

  constructor(
    private readonly delivery: TypedDeliverySettings<State>,
    entity: EntityHandle,
  ) {
    this.#tracker = new DeliveryTracker(delivery.settings, {
      persistenceId: entity.persistenceId,
      owner: 'entity',
      logger: () => entity.logger,
      resolve: (destination) => delivery.resolveDestination(destination),
      notify: (warning) => entity.notify(warning),
    });
  }

  /** Throws MaxUnconfirmedMessagesExceededError when going from `before` to `after` adds deliveries beyond the limit. */
  assertCapacity(before: State, after: State): void {
    const added = this.#count(after) - this.#count(before);
    if (added > 0) this.#tracker.assertCapacity(this.#count(after), 'the command was refused and nothing was stored');
  }

  /** Recovery completed: follow the recovered state and send every unconfirmed delivery. */
  recovered(state: State): void {
    this.#tracker.sync(this.delivery.deliveries(state), 'atLeastOnceDelivery.deliveries(state)');
    this.#tracker.start();
  }

  /** Events were stored and applied: send new deliveries, forget confirmed ones. */
  applied(state: State): void {
    this.#tracker.sync(this.delivery.deliveries(state), 'atLeastOnceDelivery.deliveries(state)');
  }

  /** The incarnation was dropped. */
  stopped(): void {
    this.#tracker.stop();
  }

  #count(state: State): number {
    return this.delivery.deliveries(state)?.unconfirmedDeliveries?.length ?? 0;
  }
}
