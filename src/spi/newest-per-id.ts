/**
 * A bounded memory of the newest snapshot a store saved or loaded per id, which file and
 * object stores use to start reading it before their listing answers. One rule for all of
 * them: a newer entry replaces an older one, never the reverse, and past the limit the id
 * remembered longest ago is forgotten first.
 * @module
 */

/** Per id, the entry with the highest sequence number noted (insertion order = age, for forgetting). */
export class NewestPerId<T extends { readonly sequenceNr: number }> {
  readonly #entries = new Map<string, T>();
  readonly #limit: number;

  /** Remembers at most `limit` ids. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The entry noted for the id, if any. */
  get(persistenceId: string): T | undefined {
    return this.#entries.get(persistenceId);
  }

  /** Forgets the id (its entry is being deleted, or a listing no longer shows it). */
  forget(persistenceId: string): void {
    this.#entries.delete(persistenceId);
  }

  /** Notes `entry` for the id unless a newer one is noted, forgetting the oldest id past the limit. */
  remember(persistenceId: string, entry: T): void {
    const current = this.#entries.get(persistenceId);
    if (current && current.sequenceNr > entry.sequenceNr) return;
    this.#entries.delete(persistenceId);
    this.#entries.set(persistenceId, entry);
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
