/**
 * The entity runtime: typed entities (`defineEntity`, `Effect`), classic actors
 * (`PersistentActor`) and durable state entities (`defineDurableEntity`, `DurableEffect`)
 * over one runtime created by `createPersistence`, with event adapters and at-least-once delivery.
 * @module
 */

export * from './at-least-once-delivery.js';
export * from './deliveries.js';
export * from './delivery-options.js';
export * from './delivery-types.js';
export * from './durable-effect.js';
export * from './durable-entity-definition.js';
export * from './effect.js';
export * from './entity-definition.js';
export * from './entity-persistence-id.js';
export type * from './entity-ref.js';
export * from './event-adapter.js';
export * from './persistence.js';
export { PersistentActor, type RecoveryMessage } from './persistent-actor.js';
export * from './recovery-settings.js';
export * from './retention.js';
export * from './runtime-errors.js';
export * from './signals.js';
export * from './snapshot-versioning.js';
export type { TypedDeliveryOptions, TypedDeliverySettings } from './typed-delivery.js';
