/**
 * The shape of one schema migration.
 * @module
 */

/** One forward step of the schema, applied in a transaction with `PRAGMA user_version = version`. */
export interface Migration {
  /** The `PRAGMA user_version` the file has after this step; 1, 2, 3... without gaps. */
  readonly version: number;
  /** What the step does, for logs and errors. */
  readonly description: string;
  /** The SQL to run; several statements allowed. */
  readonly sql: string;
}
