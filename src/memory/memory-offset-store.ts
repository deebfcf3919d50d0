/**
 * Projection offsets in process memory.
 * @module
 */
import { GuardedOffsetStore, type OffsetStoreCore } from '../spi/guarded-offset-store.js';
import { decodeOffset } from '../spi/offset-store.js';
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

  async save(projectionName: string, _offset: Offset, value: number): Promise<void> {
    // What a database would keep: the stored number, not the caller's object, which may change after saving.
    this.#offsets.set(projectionName, decodeOffset(value));
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
