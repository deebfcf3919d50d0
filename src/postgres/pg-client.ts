/**
 * The few parts of `pg` the plugin uses, typed here so that `pg` stays an optional peer
 * dependency (as kysely types its driver: "to not have a dependency").
 * @module
 */

/** A result as `pg` returns it. */
export interface PgQueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number | null;
}

/** A pooled connection: `pg.PoolClient` fits. */
export interface PgPoolClient {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<PgQueryResult<R>>;
  /** Returns the connection; passing an error destroys it instead of reusing it. */
  release(destroy?: Error | boolean): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
}

/** A query sent as a named prepared statement: parsed once per connection under `name`. */
export interface PgNamedQuery {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

/** A connection pool: `pg.Pool` fits. */
export interface PgPool {
  /** Runs `text` with `values`, or a {@link PgNamedQuery} (its values inside it). */
  query<R = Record<string, unknown>>(text: string | PgNamedQuery, values?: unknown[]): Promise<PgQueryResult<R>>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

/** Options used when the plugin builds the pool from a connection string. */
export interface PgPoolConfig {
  /** Most connections the pool opens. @default 10 */
  readonly max?: number;
  /** Milliseconds to wait for a connection before failing. @default 10000 */
  readonly connectionTimeoutMillis?: number;
  /** Server-side statement timeout in milliseconds. @default none */
  readonly statement_timeout?: number;
  /** Extra options passed to `new pg.Pool(...)` as they are. */
  readonly [option: string]: unknown;
}
