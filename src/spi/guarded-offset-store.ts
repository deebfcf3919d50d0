/**
 * The guard every projection offset store runs in front of its I/O: refusing use after
 * close, checking projection names and offsets, and reporting timings to the hooks. A plugin
 * implements {@link OffsetStoreCore} (or {@link TransactionalOffsetStoreCore});
 * {@link GuardedOffsetStore} (or {@link GuardedTransactionalOffsetStore}) is the public store.
 * @module
 */
import { validateFunction } from '../core/validation.js';
import { measure, type PersistenceHooks } from '../observability/hooks.js';
import type { OffsetStoreCapabilities } from './capabilities.js';
import { encodeOffset, type OffsetStore, offsetToNumber, type TransactionalOffsetStore, validateProjectionName } from './offset-store.js';
import type { Offset } from './read-journal.js';
import { StoreLifecycle } from './store-options.js';

/**
 * The I/O of an offset store. {@link GuardedOffsetStore} calls it only while open, with a
 * checked projection name and offset, inside the hook timing; the core only reads and writes.
 */
export interface OffsetStoreCore {
  /** The stored offset of the projection, NoOffset when none was saved. */
  load(projectionName: string): Promise<Offset>;
  /** Replaces the stored offset; `value` is its stored number, its kind included (`encodeOffset`; `decodeOffset` reads it back). */
  save(projectionName: string, offset: Offset, value: number): Promise<void>;
  /** Releases resources; called once, on the first `close()`. */
  close(): Promise<void>;
}

/** The I/O of an offset store that commits a handler's writes with the offset. */
export interface TransactionalOffsetStoreCore<Transaction> extends OffsetStoreCore {
  /** Runs `work` (a checked function) and stores the offset in one transaction; see {@link TransactionalOffsetStore.inTransaction}. */
  inTransaction(
    projectionName: string,
    offset: Offset,
    value: number,
    work: (transaction: Transaction) => void | Promise<void>,
  ): Promise<void>;
}

/** What {@link GuardedOffsetStore} needs besides the core. */
export interface OffsetStoreGuardOptions {
  /** The store's name in errors and hook events (`'sqlite'`). */
  readonly source: string;
  /** Timing callbacks (`offset.load`, `offset.save`, `offset.inTransaction`). @default none */
  readonly hooks?: PersistenceHooks | undefined;
  /** The lifecycle to share with a core that checks it again mid-operation. @default a new one */
  readonly lifecycle?: StoreLifecycle | undefined;
}

/**
 * An {@link OffsetStore} around an {@link OffsetStoreCore}: every public method refuses a
 * closed store and validates the projection name and offset, then times the core's I/O.
 */
export class GuardedOffsetStore implements OffsetStore {
  /** No transactions: `load` and `save` only. */
  readonly capabilities: OffsetStoreCapabilities = {};
  /** Refuses use after close; subclasses use it to guard methods of their own. */
  protected readonly lifecycle: StoreLifecycle;
  /** The store's name in errors and hook events. */
  protected readonly source: string;
  /** Timing callbacks, for subclasses timing methods of their own. */
  protected readonly hooks: PersistenceHooks | undefined;
  readonly #core: OffsetStoreCore;

  constructor(core: OffsetStoreCore, options: OffsetStoreGuardOptions) {
    this.#core = core;
    this.source = options.source;
    this.hooks = options.hooks;
    this.lifecycle = options.lifecycle ?? new StoreLifecycle(options.source, 'offsetStore');
  }

  async load(projectionName: string): Promise<Offset> {
    this.lifecycle.assertOpen('load');
    const name = validateProjectionName(projectionName);
    return measure(this.hooks, { operation: 'offset.load', store: this.source }, () => this.#core.load(name));
  }

  async save(projectionName: string, offset: Offset): Promise<void> {
    this.lifecycle.assertOpen('save');
    const name = validateProjectionName(projectionName);
    offsetToNumber(offset, name);
    const value = encodeOffset(offset);
    await measure(this.hooks, { operation: 'offset.save', store: this.source }, () => this.#core.save(name, offset, value));
  }

  /** Closes the store; later calls fail with StoreClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.lifecycle.close()) await this.#core.close();
  }
}

/**
 * A {@link TransactionalOffsetStore} around a {@link TransactionalOffsetStoreCore}: as
 * {@link GuardedOffsetStore}, and `inTransaction` checks its handler too.
 */
export class GuardedTransactionalOffsetStore<Transaction> extends GuardedOffsetStore implements TransactionalOffsetStore<Transaction> {
  /** Offers `inTransaction`: projections on it are exactly-once. */
  override readonly capabilities: OffsetStoreCapabilities = { transactions: true };
  readonly #core: TransactionalOffsetStoreCore<Transaction>;

  constructor(core: TransactionalOffsetStoreCore<Transaction>, options: OffsetStoreGuardOptions) {
    super(core, options);
    this.#core = core;
  }

  async inTransaction(projectionName: string, offset: Offset, work: (transaction: Transaction) => void | Promise<void>): Promise<void> {
    this.lifecycle.assertOpen('inTransaction');
    const name = validateProjectionName(projectionName);
    offsetToNumber(offset, name);
    const value = encodeOffset(offset);
    validateFunction(work, 'work', { source: this.source });
    await measure(this.hooks, { operation: 'offset.inTransaction', store: this.source }, () =>
      this.#core.inTransaction(name, offset, value, work),
    );
  }
}
