/**
 * Every schema migration, oldest first. Append new ones; never edit a released one.
 * @module
 */
import { initialSchema } from './0001-initial-schema.js';
import { projectionOffsets } from './0002-projection-offsets.js';
import { durableStateOrdering } from './0003-durable-state-ordering.js';
import type { Migration } from './migration.js';

export { APPLICATION_ID } from './0001-initial-schema.js';
export { migrate } from './migrate.js';
export type { Migration } from './migration.js';

/** The migrations in order; `migrations[i].version === i + 1`. */
export const migrations: readonly Migration[] = [initialSchema, projectionOffsets, durableStateOrdering];

/** The schema version this release writes and reads. */
export const SCHEMA_VERSION: number = migrations.length;
