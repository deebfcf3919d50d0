/**
 * Options every store accepts, and the lifecycle guard every store uses.
 * @module
 */
import { StoreClosedError } from '../core/errors.js';
import { measure, type OperationName, type PersistenceHooks } from '../observability/hooks.js';
import type { LoggerOption } from '../observability/logger.js';
import type { Serialization } from '../serialization/serialization.js';

/** Options shared by every journal, snapshot store and durable state store. */
export interface StoreOptions {
  /** How values become stored bytes. @default new Serialization() (JSON) */
  readonly serialization?: Serialization;
  /** Where warnings (e.g. skipped snapshots) go: a console-shaped, pino or bunyan logger, or false for none. @default warnings and errors on stderr */
  readonly logger?: LoggerOption;
  /** Timing and skip callbacks. @default none */
  readonly hooks?: PersistenceHooks;
}

/**
 * Refuses use after `close()` with a {@link StoreClosedError} naming the store and operation,
 * and announces the close on {@link closeSignal} so live readers waiting on the store end at once.
 */
export class StoreLifecycle {
  #closed = false;
  #closing: AbortController | undefined;

  constructor(
    private readonly source: string,
    private readonly kind: string,
  ) {}

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Throws when the store is closed. */
  assertOpen(operation: string, persistenceId?: string): void {
    if (this.#closed) {
      throw new StoreClosedError(`${this.kind}.${operation}: expected an open store, found it closed`, {
        source: this.source,
        persistenceId,
        expected: 'open',
        actual: 'closed',
      });
    }
  }

  /**
   * Aborted when the store closes, with a {@link StoreClosedError} as its reason: a live
   * reader waiting for changes listens to it instead of noticing the close at its next poll.
   */
  get closeSignal(): AbortSignal {
    this.#closing ??= new AbortController();
    if (this.#closed && !this.#closing.signal.aborted) this.#closing.abort(this.#closedWhileWaiting());
    return this.#closing.signal;
  }

  /** Marks the store closed; returns false when it already was (close is idempotent). */
  close(): boolean {
    const wasOpen = !this.#closed;
    this.#closed = true;
    if (wasOpen) this.#closing?.abort(this.#closedWhileWaiting());
    return wasOpen;
  }

  #closedWhileWaiting(): StoreClosedError {
    return new StoreClosedError(`${this.kind}: closed while a live query waited for changes; expected an open store, found it closed`, {
      source: this.source,
      expected: 'open',
      actual: 'closed',
    });
  }
}

/** A method a store adds beyond its SPI, as {@link runGuarded} runs it. */
export interface GuardedCall<A, T> {
  /** The operation reported to the hooks (`journal.purge`); StoreClosedError names it too. */
  readonly operation: OperationName;
  readonly persistenceId?: string | undefined;
  /** Validates the arguments (after the closed check); its result goes to `io`. */
  readonly check: () => A;
  /** The I/O, timed for the hooks. */
  readonly io: (checked: A) => Promise<T>;
}

/**
 * Runs a method a store adds beyond its SPI (a purge, say) as the guards run their own:
 * refused when closed, arguments checked, the I/O timed for `hooks` under `source`.
 */
export async function runGuarded<A, T>(
  lifecycle: StoreLifecycle,
  hooks: PersistenceHooks | undefined,
  source: string,
  call: GuardedCall<A, T>,
): Promise<T> {
  lifecycle.assertOpen(call.operation.slice(call.operation.indexOf('.') + 1), call.persistenceId);
  const checked = call.check();
  return measure(hooks, { operation: call.operation, store: source, persistenceId: call.persistenceId }, () => call.io(checked));
}
