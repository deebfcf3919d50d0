/**
 * Projection offsets in process memory.
 * @module
 */
import { GuardedOffsetStore, type OffsetStoreCore } from '../spi/guarded-offset-store.js';
import { NoOffset, type Offset } from '../spi/read-journal.js';
import type { StoreOptions } from '../spi/store-options.js';

/** Options of {@link MemoryOffsetStore}. */
export type MemoryOffsetStoreOptions = Pick<StoreOptions, 'hooks'>;

/** The I/O of {@link MemoryOffsetStore}: a map from projection name to offset. */
class MemoryOffsetStoreCore implements OffsetStoreCore {
  readonly #offsets = new Map<string, Offset>();

  async load(projectionName: string): Promise<Offset> {
    return this.#offsets.get(projectionName) ?? NoOffset;
  }

  async save(projectionName: string, offset: Offset, value: number): Promise<void> {
    // A copy, as a database would keep: the caller's object may change after saving.
    this.#offsets.set(projectionName, offset.type === 'none' ? NoOffset : { type: offset.type, value });
  }

  async close(): Promise<void> {
    this.#offsets.clear();
  }
}

/** Offsets in process memory, for tests and throwaway projections. */
export class MemoryOffsetStore extends GuardedOffsetStore {
  constructor(options: MemoryOffsetStoreOptions = {}) {
    super(new MemoryOffsetStoreCore(), { source: 'memory', hooks: options.hooks });
  }
}
