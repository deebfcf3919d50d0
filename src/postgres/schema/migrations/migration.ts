/**
 * The shape of one versioned schema migration.
 * @module
 */
import type { TableNames } from '../../identifier.js';

/** One step of the schema; applied once per schema, in version order, never edited after release. */
export interface Migration {
  /** Increasing integer; recorded in `memento_migrations`. */
  readonly version: number;
  /** What the step does, for the migrations table and logs. */
  readonly name: string;
  /** The statements of the step, for the given schema's tables. */
  readonly sql: (tables: TableNames) => string;
}
