/**
 * The durable state SPI: the latest value per persistence id, with revisions.
 * @module
 */

/** A stored state and its revision; `value` is null when never written or deleted. */
export interface DurableStateRecord<S = unknown> {
  readonly value: S | null;
  /** Number of changes so far (0 = never written); deletes count as changes. */
  readonly revision: number;
}

/** Keeps one value per persistence id; every change names the revision it creates. */
export interface DurableStateStore {
  /** The current value and revision (`{ value: null, revision: 0 }` when never written). */
  get(persistenceId: string): Promise<DurableStateRecord>;
  /** Stores `value` as `revision`, which must be current + 1, else ConcurrencyError. */
  upsert(persistenceId: string, revision: number, value: unknown, tag?: string): Promise<void>;
  /** Deletes the value as change `revision` (current + 1, else ConcurrencyError); revisions are never reused. */
  delete(persistenceId: string, revision: number): Promise<void>;
  /** Releases resources; later calls fail with StoreClosedError. Idempotent. */
  close(): Promise<void>;
}
