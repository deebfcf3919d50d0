/**
 * The journal SPI: append-only, per-persistence-id event storage.
 * @module
 */
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import type { JournalCapabilities } from './capabilities.js';

/** An append-only event log keyed by persistence id and sequence number. */
export interface Journal {
  /** What the journal offers beyond this interface (queries, tags, live); all false when absent. */
  readonly capabilities?: JournalCapabilities;
  /**
   * Stores each AtomicWrite all-or-nothing. Resolves with one entry per write:
   * `undefined` when stored, an Error when rejected (serialization, or
   * {@link ConcurrencyError} when its first sequence number is not highest + 1).
   * Rejects as a whole when the store itself failed or the arguments are malformed.
   * A store may read the events until the returned promise settles (the SQLite journal
   * serializes them when its group commits), so do not change them before then.
   */
  write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]>;
  /** Events with `from <= sequenceNr <= to`, oldest first, at most `max` of them. */
  replay(persistenceId: string, from: number, to: number, max?: number): AsyncIterable<PersistentRepr>;
  /** The highest sequence number ever written for the id (0 if none), surviving deletion. */
  highestSequenceNr(persistenceId: string, from?: number): Promise<number>;
  /** Deletes events up to and including `toSequenceNr`; the highest stays readable. */
  deleteTo(persistenceId: string, toSequenceNr: number): Promise<void>;
  /**
   * Aborted when the store is closed (its reason a StoreClosedError), so a live query
   * waiting for changes ends at once instead of at its next poll. The guards provide it.
   */
  readonly closeSignal?: AbortSignal;
  /** Releases resources; later calls fail with StoreClosedError. Idempotent. */
  close(): Promise<void>;
}
