/**
 * The guard every projection offset store runs in front of its I/O: refusing use after
 * close, checking projection names and offsets, and reporting timings to the hooks. A plugin
 * implements {@link OffsetStoreCore} (or {@link TransactionalOffsetStoreCore});
 * {@link GuardedOffsetStore} (or {@link GuardedTransactionalOffsetStore}) is the public store.
 * @module
 */
import { validateFunction } from '../core/validation.js';
import type { OffsetStoreCapabilities } from './capabilities.js';
import { GuardedStore, type StoreGuardOptions } from './guarded-store.js';
import { encodeOffset, type OffsetStore, offsetToNumber, type TransactionalOffsetStore, validateProjectionName } from './offset-store.js';
import type { Offset } from './read-journal.js';

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

/** What {@link GuardedOffsetStore} needs besides the core; its hooks time `offset.load`, `offset.save` and `offset.inTransaction`. */
export type OffsetStoreGuardOptions = StoreGuardOptions;

/**
 * An {@link OffsetStore} around an {@link OffsetStoreCore}: every public method refuses a
 * closed store and validates the projection name and offset, then times the core's I/O.
 */
export class GuardedOffsetStore<Core extends OffsetStoreCore = OffsetStoreCore> extends GuardedStore<Core> implements OffsetStore {
  /** No transactions: `load` and `save` only. */
  readonly capabilities: OffsetStoreCapabilities = {};

  constructor(core: Core, options: OffsetStoreGuardOptions) {
    super(core, options, 'offsetStore');
  }

  async load(projectionName: string): Promise<Offset> {
    this.lifecycle.assertOpen('load');
    const name = validateProjectionName(projectionName);
    return this.timed('offset.load', {}, () => this.core.load(name));
  }

  async save(projectionName: string, offset: Offset): Promise<void> {
    this.lifecycle.assertOpen('save');
    const name = validateProjectionName(projectionName);
    offsetToNumber(offset, name);
    const value = encodeOffset(offset);
    await this.timed('offset.save', {}, () => this.core.save(name, offset, value));
  }
}

/**
 * A {@link TransactionalOffsetStore} around a {@link TransactionalOffsetStoreCore}: as
 * {@link GuardedOffsetStore}, and `inTransaction` checks its handler too.
 */
export class GuardedTransactionalOffsetStore<Transaction>
  extends GuardedOffsetStore<TransactionalOffsetStoreCore<Transaction>>
  implements TransactionalOffsetStore<Transaction>
{
  /** Offers `inTransaction`: projections on it are exactly-once. */
  override readonly capabilities: OffsetStoreCapabilities = { transactions: true };

  async inTransaction(projectionName: string, offset: Offset, work: (transaction: Transaction) => void | Promise<void>): Promise<void> {
    this.lifecycle.assertOpen('inTransaction');
    const name = validateProjectionName(projectionName);
    offsetToNumber(offset, name);
    const value = encodeOffset(offset);
    validateFunction(work, 'work', { source: this.source });
    await this.timed('offset.inTransaction', {}, () => this.core.inTransaction(name, offset, value, work));
  }
}
