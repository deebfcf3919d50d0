/**
 * Projection offsets in process memory.
 * @module
 */

import { decodeOffset, encodeOffset, type OffsetStore, validateProjectionName } from '../spi/offset-store.js';
import { NoOffset, type Offset } from '../spi/read-journal.js';

/** Offsets in process memory, for tests and throwaway projections. */
export class MemoryOffsetStore implements OffsetStore {
  readonly #offsets = new Map<string, Offset>();

  async load(projectionName: string): Promise<Offset> {
    return this.#offsets.get(validateProjectionName(projectionName)) ?? NoOffset;
  }

  async save(projectionName: string, offset: Offset): Promise<void> {
    // Kept as the other stores keep it, so every store loads what it was given the same way.
    this.#offsets.set(validateProjectionName(projectionName), decodeOffset(encodeOffset(offset)));
  }
}
