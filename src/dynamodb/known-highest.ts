/**
 * The highest sequence number a journal last saw per id, so a write can go straight to its
 * conditional put. A remembered value may be stale (another process wrote since): the put
 * then collides with the item that really follows it, which is never removed, and the
 * journal reads the truth. So a stale entry costs a round trip, never correctness.
 * @module
 */

/** A bounded map of id to highest sequence number; the least recently used id is forgotten first. */
export class KnownHighest {
  readonly #entries = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** The remembered highest, or undefined. */
  get(persistenceId: string): number | undefined {
    const value = this.#entries.get(persistenceId);
    if (value !== undefined) {
      this.#entries.delete(persistenceId);
      this.#entries.set(persistenceId, value);
    }
    return value;
  }

  /** The remembered highest without refreshing its place (for reads that only optimise). */
  peek(persistenceId: string): number | undefined {
    return this.#entries.get(persistenceId);
  }

  /** Remembers a highest that was true when seen. */
  set(persistenceId: string, highest: number): void {
    this.#entries.delete(persistenceId);
    this.#entries.set(persistenceId, highest);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Forgets an id whose state is unknown (a write failed without an answer). */
  forget(persistenceId: string): void {
    this.#entries.delete(persistenceId);
  }
}
