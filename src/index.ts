/**
 * Memento: event sourcing and snapshot persistence for TypeScript on Node.js.
 *
 * This entry point holds the core types, the plugin SPI, serialization and the memory
 * stores. Plugins live in `memento-es/sqlite`, `memento-es/postgres`, `memento-es/s3`,
 * `memento-es/fs`; the conformance kit in `memento-es/tck`.
 * @module
 */
export * from './core/errors.js';
export * from './core/optional-peer.js';
export * from './core/persistence-id.js';
export * from './core/persistent-repr.js';
export * from './core/snapshot-metadata.js';
export * from './core/snapshot-results.js';
export * from './core/snapshot-selection-criteria.js';
export { type ArgumentContext, MAX_SEQUENCE_NR } from './core/validation.js';
export * from './machine/index.js';
export * from './memory/index.js';
export * from './observability/hooks.js';
export * from './observability/logger.js';
export * from './observability/telemetry.js';
export * from './query/index.js';
export * from './runtime/index.js';
export * from './serialization/bytes-serializer.js';
export * from './serialization/envelope.js';
export * from './serialization/json-serializer.js';
export { MessagePackSerializer } from './serialization/msgpack-serializer.js';
export * from './serialization/round-trip.js';
export * from './serialization/serialization.js';
export type * from './serialization/serializer.js';
export { UnrepresentableValueError } from './serialization/tagged-json.js';
export * from './spi/capabilities.js';
export * from './spi/circuit-breaker.js';
export * from './spi/durable-state-store.js';
export * from './spi/durable-state-support.js';
export * from './spi/guarded-durable-state-store.js';
export * from './spi/guarded-journal.js';
export * from './spi/guarded-offset-store.js';
export * from './spi/guarded-snapshot-store.js';
export type * from './spi/journal.js';
export * from './spi/journal-support.js';
export * from './spi/offset-store.js';
export * from './spi/paged-iterable.js';
export * from './spi/queryable-journal.js';
export * from './spi/read-journal.js';
export * from './spi/retry.js';
export * from './spi/slices.js';
export * from './spi/snapshot-store.js';
export * from './spi/snapshot-support.js';
export * from './spi/store-options.js';
export * from './time-travel/index.js';
