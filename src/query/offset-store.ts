/**
 * Where projections keep their position.
 * @module
 */
import type { Offset } from '../spi/read-journal.js';
import { NoOffset } from '../spi/read-journal.js';

/** Stores the last processed offset per projection name. */
export interface OffsetStore {
  /** The stored offset, or NoOffset for a projection that never ran. */
  load(projectionName: string): Promise<Offset>;
  /** Replaces the stored offset. */
  save(projectionName: string, offset: Offset): Promise<void>;
}

/**
 * An offset store that can run the handler and the offset update in one transaction of the
 * database the handler writes to: that makes a projection exactly-once.
 */
export interface TransactionalOffsetStore<Transaction> extends OffsetStore {
  /** Runs `work` in a transaction; `save` inside it must use `saveIn`. Commits when `work` resolves. */
  transaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T>;
  /** Saves the offset inside a transaction begun by {@link transaction}. */
  saveIn(transaction: Transaction, projectionName: string, offset: Offset): Promise<void>;
}

/** True when the store offers transactions. */
export function isTransactionalOffsetStore(store: OffsetStore): store is TransactionalOffsetStore<unknown> {
  const candidate = store as Partial<TransactionalOffsetStore<unknown>>;
  return typeof candidate.transaction === 'function' && typeof candidate.saveIn === 'function';
}

/** Offsets in process memory, for tests and throwaway projections. */
export class MemoryOffsetStore implements OffsetStore {
  readonly #offsets = new Map<string, Offset>();

  async load(projectionName: string): Promise<Offset> {
    return this.#offsets.get(projectionName) ?? NoOffset;
  }

  async save(projectionName: string, offset: Offset): Promise<void> {
    this.#offsets.set(projectionName, offset);
  }
}
