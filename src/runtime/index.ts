/**
 * The entity runtime: typed entities (`defineEntity`, `Effect`), classic actors
 * (`PersistentActor`) and durable state entities (`defineDurableEntity`, `DurableEffect`)
 * over one runtime created by `createPersistence`, with event adapters and at-least-once delivery.
 * @module
 */

export * from './adapters/event-adapter.js';
export type { StashOverflowStrategy } from './cell/entity-behavior.js';
export * from './cell/entity-persistence-id.js';
export type * from './cell/entity-ref.js';
export { DEFAULT_RECOVERY_IDLE_TIMEOUT_MS } from './cell/recovery-watchdog.js';
export * from './cell/runtime-errors.js';
export * from './cell/signals.js';
export { PersistentActor, type RecoveryMessage } from './classic/persistent-actor.js';
export * from './delivery/at-least-once-delivery.js';
export * from './delivery/deliveries.js';
export * from './delivery/delivery-options.js';
export * from './delivery/delivery-types.js';
export type { TypedDeliveryOptions, TypedDeliverySettings } from './delivery/typed-delivery.js';
export * from './durable/durable-effect.js';
export * from './durable/durable-entity-definition.js';
export * from './persistence.js';
export * from './recovery/recovery-settings.js';
export * from './recovery/snapshot-versioning.js';
export * from './typed/effect.js';
export * from './typed/entity-definition.js';
export * from './writers/retention.js';
