/**
 * The event-sourced entity runtime: typed entities (`defineEntity`, `Effect`) and classic
 * actors (`PersistentActor`) over one runtime created by `createPersistence`.
 * @module
 */
export * from './effect.js';
export * from './entity-definition.js';
export * from './entity-persistence-id.js';
export type * from './entity-ref.js';
export * from './persistence.js';
export { PersistentActor, type RecoveryMessage } from './persistent-actor.js';
export * from './recovery-settings.js';
export * from './retention.js';
export * from './runtime-errors.js';
export * from './signals.js';
export * from './snapshot-versioning.js';
