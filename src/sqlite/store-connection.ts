/**
 * The lazily opened connection of one store: opened on first use (so constructors do no
 * I/O and open failures arrive as rejected promises), released on close.
 * @module
 */
import { Serialization } from '../serialization/serialization.js';
import { StoreLifecycle } from '../spi/store-options.js';
import { acquireConnection, releaseConnection, type SqliteConnection } from './connection.js';
import { type ConnectionSettings, checkOptions, NAME, type SqliteOptions, type SqliteTarget } from './options.js';

/** A store's handle on its shared connection. */
export class StoreConnection {
  #connection: SqliteConnection | undefined;

  constructor(
    private readonly target: SqliteTarget,
    private readonly settings: ConnectionSettings,
    private readonly lifecycle: StoreLifecycle,
  ) {}

  /** The open connection, after checking the store is not closed; opens it on first use. */
  get(operation: string, persistenceId?: string): SqliteConnection {
    this.lifecycle.assertOpen(operation, persistenceId);
    this.#connection ??= acquireConnection(this.target, this.settings);
    return this.#connection;
  }

  /** The connection if it was ever opened. */
  get current(): SqliteConnection | undefined {
    return this.#connection;
  }

  /** Gives the connection back (the last user closes it). */
  release(): void {
    if (this.#connection) releaseConnection(this.#connection);
    this.#connection = undefined;
  }
}

/** What every SQLite store builds before its core, sharing the lifecycle with its guard. */
export interface StoreParts {
  readonly lifecycle: StoreLifecycle;
  readonly connection: StoreConnection;
  readonly serialization: Serialization;
}

/** Checks `options` and builds a store's {@link StoreParts}; `kind` names the store in StoreClosedError messages. */
export function storeParts(database: SqliteTarget, options: SqliteOptions, kind: string): StoreParts {
  const settings = checkOptions(database, options);
  const lifecycle = new StoreLifecycle(NAME, kind);
  const connection = new StoreConnection(database, settings, lifecycle);
  return { lifecycle, connection, serialization: options.serialization ?? new Serialization() };
}
