/**
 * LISTEN for a store's change notifications (the journal's appends, the durable state
 * store's changes, each on its own channel), so live queries wake up when something is
 * written instead of polling blindly. All subscribers of a store share one connection,
 * opened outside the pool (a pool connection held for LISTEN is one less for reads and
 * writes), reconnected with back-off when it drops, and checked at start by a probe
 * notification sent through the write path: behind a pooler that does not forward
 * notifications the logger says what to configure.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import { sleep } from '../core/timers.js';
import { validateInteger } from '../core/validation.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { unlessAborted } from '../spi/change-waiter.js';
import { backoffMs, type RetryPolicy, retryPolicy } from '../spi/retry.js';
import { clientConnection, type PostgresConnectionOptions } from './connection.js';
import { describeFailure, NAME, storeFailure } from './errors.js';
import { quoteIdentifier } from './identifier.js';
import type { PgPool } from './pg-client.js';
import type { NotifyTarget } from './schema/journal/append-events.js';

/**
 * The connection live queries LISTEN on: one per store, outside the pool. Behind a pooler
 * in transaction mode (PgBouncer) notifications never arrive: point this at PostgreSQL directly.
 */
export interface PostgresListenOptions {
  /** A `postgres://` URL for the LISTEN connection. @default the store's `connectionString`, or its `pg.Pool`'s settings */
  readonly connectionString?: string;
  /** How long the start-up probe waits for a test notification before warning through the logger. @default 2000 */
  readonly probeTimeoutMs?: number;
}

/** One append (or durable state change): the schema written to and the highest ordering it allocated. */
export interface AppendNotification {
  readonly schema: string;
  readonly ordering: number;
}

/** Called for every append notification of the subscribed schema. */
export type AppendListener = (notification: AppendNotification) => void;

/** A notification as `pg` delivers it. */
interface Notification {
  readonly channel: string;
  readonly payload?: string | undefined;
}

/** The connection LISTEN runs on: a connected `pg.Client` fits. */
export interface ListenConnection {
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (message: Notification) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  /** Closes the connection. */
  end(): Promise<void> | void;
}

/** Opens a new, connected {@link ListenConnection}. */
export type OpenListenConnection = () => Promise<ListenConnection>;

/** Settings of {@link AppendNotifications}. */
export interface AppendNotificationsOptions {
  readonly open: OpenListenConnection;
  readonly target: NotifyTarget;
  readonly logger?: Logger;
  /** Back-off between reconnection attempts (attempts never run out while someone listens). */
  readonly reconnect?: RetryPolicy;
  /** Sends a NOTIFY with `payload` on the target channel through the write path (the pool). */
  readonly sendProbe?: (payload: string) => Promise<void>;
  /** How long the start-up probe waits for its own notification before warning. @default 2000 */
  readonly probeTimeoutMs?: number;
}

/** One run of the connect-listen-reconnect loop, from the first subscriber to the last. */
interface Session {
  readonly stop: AbortController;
  ready: Promise<void>;
  done: Promise<void>;
  /** The connection while LISTEN is in place. */
  connection: ListenConnection | undefined;
}

const RECONNECT_DEFAULTS = retryPolicy({}, { initialDelayMs: 100, maxDelayMs: 5000 });

/**
 * The append notifications of one journal: one LISTEN connection shared by every
 * subscriber, opened with the first and closed with the last.
 */
export class AppendNotifications {
  readonly #options: AppendNotificationsOptions;
  readonly #logger: Logger;
  readonly #listeners = new Set<AppendListener>();
  readonly #probes = new Map<string, () => void>();
  #session: Session | undefined;
  #lastOrdering = 0;
  #probed = false;

  constructor(options: AppendNotificationsOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** True while a LISTEN is in place (for tests and health checks). */
  get listening(): boolean {
    return this.#session?.connection !== undefined;
  }

  /**
   * Calls `listener` for every append to the schema, and once more after a reconnection
   * (with the highest ordering seen before, as notifications may have been missed). Resolves
   * once the first LISTEN was tried: if it failed, the logger says so and reconnection goes
   * on in the background.
   */
  async subscribe(listener: AppendListener): Promise<{ close(): Promise<void> }> {
    this.#listeners.add(listener);
    const session = this.#start();
    await session.ready;
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        this.#listeners.delete(listener);
        if (this.#listeners.size === 0) await this.stop();
      },
    };
  }

  /** Ends the LISTEN connection and its reconnection loop; idempotent. */
  async stop(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    session.stop.abort();
    await Promise.resolve(session.connection?.end()).catch(() => {});
    await session.done;
  }

  #start(): Session {
    if (this.#session) return this.#session;
    let markReady!: () => void;
    const session: Session = {
      stop: new AbortController(),
      ready: new Promise<void>((resolve) => {
        markReady = resolve;
      }),
      done: Promise.resolve(),
      connection: undefined,
    };
    session.done = this.#run(session, markReady).finally(markReady);
    this.#session = session;
    return session;
  }

  /** Connects, LISTENs, waits for the connection to drop, and starts over after a back-off. */
  async #run(session: Session, markReady: () => void): Promise<void> {
    const signal = session.stop.signal;
    const channel = this.#options.target.channel;
    const policy = this.#options.reconnect ?? RECONNECT_DEFAULTS;
    let failures = 0;
    let wasListening = false;
    while (!signal.aborted) {
      let connection: ListenConnection | undefined;
      let dropped: Promise<Error | undefined> = Promise.resolve(undefined);
      try {
        // stop() waits for this loop, so nothing here may outlast an abort: a pool's connect can
        // wait as long as its connections are busy, and a connection opened too late is ended.
        const opening = this.#options.open();
        connection = await unlessAborted(opening, signal);
        if (connection === undefined) {
          void opening.then((late) => late.end()).catch(() => {});
          break;
        }
        const opened = connection;
        dropped = new Promise((resolve) => {
          opened.on('error', (error) => resolve(error));
          opened.on('end', () => resolve(undefined));
        });
        connection.on('notification', (message) => this.#deliver(message));
        // Stopped while LISTEN runs: stop() finds no connection to end; the finally below ends it.
        await unlessAborted(connection.query(`LISTEN ${quoteIdentifier(channel)}`), signal);
        if (signal.aborted) break;
        session.connection = connection;
        failures = 0;
        markReady();
        if (wasListening) {
          this.#logger.info(`[memento] [${NAME}] LISTEN ${channel} restored`);
          // Appends during the outage were not announced: wake everyone to read.
          this.#notifyAll({ schema: this.#options.target.schema, ordering: this.#lastOrdering });
        }
        wasListening = true;
        if (!this.#probed) {
          this.#probed = true;
          void this.#probe(signal);
        }
        const error = await dropped;
        if (signal.aborted) break;
        this.#logger.warn(`[memento] [${NAME}] LISTEN ${channel} connection lost; reconnecting (live queries poll meanwhile)`, {
          error: error === undefined ? 'connection ended' : describeFailure(error),
        });
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        this.#logger.warn(`[memento] [${NAME}] LISTEN ${channel} failed; retrying (live queries poll meanwhile)`, {
          error: describeFailure(storeFailure(error, 'journal.subscribe')),
          attempt: failures,
        });
        markReady();
      } finally {
        session.connection = undefined;
        await Promise.resolve(connection?.end()).catch(() => {});
      }
      await sleep(backoffMs(policy, Math.max(failures, 1)), signal);
    }
  }

  #deliver(message: Notification): void {
    if (message.channel !== this.#options.target.channel || !message.payload) return;
    let parsed: { schema?: unknown; ordering?: unknown; probe?: unknown };
    try {
      parsed = JSON.parse(message.payload) as typeof parsed;
    } catch {
      return; // Someone else's message on a shared channel; not ours to interpret.
    }
    if (parsed.schema !== this.#options.target.schema) return;
    if (typeof parsed.probe === 'string') {
      this.#probes.get(parsed.probe)?.();
      return;
    }
    if (typeof parsed.ordering !== 'number') return;
    this.#lastOrdering = Math.max(this.#lastOrdering, parsed.ordering);
    this.#notifyAll({ schema: parsed.schema, ordering: parsed.ordering });
  }

  #notifyAll(notification: AppendNotification): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(notification);
      } catch (error) {
        this.#logger.error(`[memento] [${NAME}] an append listener threw`, { error: describeFailure(error) });
      }
    }
  }

  /** Leaves the probe to the next LISTEN session: nobody listened for its notification. */
  #abandonProbe(): void {
    this.#probed = false;
    this.#logger.debug(`[memento] [${NAME}] LISTEN ${this.#options.target.channel}: test notification abandoned, LISTEN ended`);
  }

  /**
   * Sends one notification through the write path and waits for it on the LISTEN
   * connection: a pooler in transaction mode, for one, swallows notifications without error.
   * Abandoned, and left for the next session, when `signal` says the LISTEN ended meanwhile.
   */
  async #probe(signal: AbortSignal): Promise<void> {
    const send = this.#options.sendProbe;
    if (!send) return;
    const id = randomUUID();
    const timeoutMs = this.#options.probeTimeoutMs ?? 2000;
    let delivered!: () => void;
    const arrived = new Promise<true>((resolve) => {
      delivered = () => resolve(true);
    });
    this.#probes.set(id, delivered);
    try {
      await send(JSON.stringify({ schema: this.#options.target.schema, probe: id }));
      // Timed from the commit of the NOTIFY: waiting for a busy pool is not a lost notification.
      const ok = await Promise.race([arrived, sleep(timeoutMs, signal).then(() => false)]);
      if (signal.aborted) {
        this.#abandonProbe();
        return;
      }
      if (ok) {
        this.#logger.debug(`[memento] [${NAME}] LISTEN ${this.#options.target.channel}: notifications arrive`);
        return;
      }
      this.#logger.warn(
        `[memento] [${NAME}] LISTEN ${this.#options.target.channel}: a test notification sent through the pool did not arrive within ${timeoutMs} ms; ` +
          'live queries fall back to polling. Behind PgBouncer in transaction pooling, give the store a direct connection for ' +
          'notifications: listen: { connectionString: \'postgres://...direct...\' } (see "Behind PgBouncer" in docs/postgres.md)',
      );
    } catch (error) {
      if (signal.aborted) {
        this.#abandonProbe();
        return;
      }
      this.#logger.warn(`[memento] [${NAME}] LISTEN ${this.#options.target.channel}: the test notification could not be sent`, {
        error: describeFailure(error),
      });
    } finally {
      this.#probes.delete(id);
    }
  }
}

/** A pooled connection held for LISTEN, for pools the plugin cannot open a connection beside. */
export function pooledListenConnection(pool: PgPool): OpenListenConnection {
  return async () => {
    const client = await pool.connect();
    const handlers = new Set<() => void>();
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      client.release(error ?? true);
      for (const handler of handlers) handler();
    };
    client.on('error', (error) => end(error));
    return {
      query: (text) => client.query(text),
      on: ((event: string, listener: (...args: never[]) => void) => {
        if (event === 'end') handlers.add(listener as () => void);
        else client.on(event as 'error', listener as (error: Error) => void);
      }) as ListenConnection['on'],
      end: () => end(),
    };
  };
}

/**
 * Listens on `target.channel` with a connection of its own taken from `pool` and calls
 * `listener` for notifications of `target.schema`, reconnecting when it drops.
 * Notifications are wake-up calls: read with `readByOrdering` from your last position, they
 * carry no events.
 */
export async function listenForAppends(
  pool: PgPool,
  target: NotifyTarget,
  listener: AppendListener,
  logger?: Logger,
): Promise<{ close(): Promise<void> }> {
  const notifications = new AppendNotifications({ open: pooledListenConnection(pool), target, logger });
  return notifications.subscribe(listener);
}

/** How a store opens its LISTEN connection: beside the pool when it knows the server's settings. */
function listenConnection(
  options: PostgresConnectionOptions & { readonly listen?: PostgresListenOptions },
  pool: () => Promise<PgPool>,
): OpenListenConnection {
  const given = options.listen?.connectionString;
  if (given !== undefined) {
    if (typeof given !== 'string' || given.length === 0) {
      throw new InvalidArgumentError('listen.connectionString', 'listen.connectionString: expected a postgres:// URL', {
        expected: 'a non-empty string',
        actual: given,
        source: NAME,
      });
    }
    return clientConnection({ connectionString: given });
  }
  if (typeof options.connectionString === 'string')
    return clientConnection({ ...options.poolConfig, connectionString: options.connectionString });
  // A pg.Pool keeps the settings it was built with; other pools only lend connections.
  const settings = (options.pool as { options?: unknown } | undefined)?.options;
  if (typeof settings === 'object' && settings !== null) return clientConnection({ ...(settings as Record<string, unknown>) });
  return async () => pooledListenConnection(await pool())();
}

/** What {@link storeNotifications} needs from a store. */
export interface StoreNotificationsSettings {
  readonly options: PostgresConnectionOptions & { readonly listen?: PostgresListenOptions };
  readonly target: NotifyTarget;
  readonly pool: () => Promise<PgPool>;
  readonly logger: Logger;
  /** Runs a statement through the write path (the pool), as the probe must. */
  readonly send: (text: string, values: unknown[]) => Promise<unknown>;
}

/** The one LISTEN connection of a store, from its `listen` options (validated here). */
export function storeNotifications(settings: StoreNotificationsSettings): AppendNotifications {
  const { options, target } = settings;
  const probeTimeoutMs = validateInteger(options.listen?.probeTimeoutMs ?? 2000, 'listen.probeTimeoutMs', { source: NAME }, { min: 1 });
  return new AppendNotifications({
    open: listenConnection(options, settings.pool),
    target,
    logger: settings.logger,
    probeTimeoutMs,
    sendProbe: async (payload) => {
      await settings.send('SELECT pg_notify($1, $2)', [target.channel, payload]);
    },
  });
}
