/**
 * Options of at-least-once delivery, with Akka's defaults.
 * @module
 */
import { invalidArgument, validateInteger } from '../../core/validation.js';

/** Delivery options as users write them; every field optional. */
export interface AtLeastOnceDeliveryOptions {
  /** Redeliver a delivery not confirmed after this many milliseconds. @default 5000 */
  readonly redeliverInterval?: number;
  /** Redeliver at most this many deliveries per redelivery round. @default 10000 */
  readonly redeliveryBurstLimit?: number;
  /** Send an UnconfirmedWarning for a delivery after this many attempts. @default 5 */
  readonly warnAfterNumberOfUnconfirmedAttempts?: number;
  /** `deliver` fails with MaxUnconfirmedMessagesExceededError while this many are unconfirmed. @default 100000 */
  readonly maxUnconfirmedMessages?: number;
}

/** Delivery options with defaults applied and bounds checked. */
export type DeliverySettings = Required<AtLeastOnceDeliveryOptions>;

/** Akka's defaults. */
export const DEFAULT_DELIVERY: DeliverySettings = Object.freeze({
  redeliverInterval: 5000,
  redeliveryBurstLimit: 10_000,
  warnAfterNumberOfUnconfirmedAttempts: 5,
  maxUnconfirmedMessages: 100_000,
});

/** Validates delivery options (`argument` names them in errors) and fills in defaults. */
export function deliverySettings(options: AtLeastOnceDeliveryOptions | undefined, argument: string): DeliverySettings {
  if (options === undefined) return DEFAULT_DELIVERY;
  if (typeof options !== 'object' || options === null) invalidArgument(argument, 'an at-least-once delivery options object', options);
  const positive = (name: keyof AtLeastOnceDeliveryOptions) =>
    options[name] === undefined ? DEFAULT_DELIVERY[name] : validateInteger(options[name], `${argument}.${name}`, {}, { min: 1 });
  return {
    redeliverInterval: positive('redeliverInterval'),
    redeliveryBurstLimit: positive('redeliveryBurstLimit'),
    warnAfterNumberOfUnconfirmedAttempts: positive('warnAfterNumberOfUnconfirmedAttempts'),
    maxUnconfirmedMessages: positive('maxUnconfirmedMessages'),
  };
}
