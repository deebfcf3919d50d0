/**
 * The durable state SPI: the latest value per persistence id, with revisions.
 * @module
 */
import { type DurableStateCapabilities, durableStateCapabilities } from './capabilities.js';
import type { Offset, QueryOptions } from './read-journal.js';

/** A stored state and its revision; `value` is null when never written or deleted. */
export interface DurableStateRecord<S = unknown> {
  readonly value: S | null;
  /** Number of changes so far (0 = never written); deletes count as changes. */
  readonly revision: number;
}

/** Keeps one value per persistence id; every change names the revision it creates. */
export interface DurableStateStore {
  /** What the store offers beyond this interface (queries, live); all false when absent. */
  readonly capabilities?: DurableStateCapabilities;
  /** The current value and revision (`{ value: null, revision: 0 }` when never written). */
  get(persistenceId: string): Promise<DurableStateRecord>;
  /** Stores `value` as `revision`, which must be current + 1, else ConcurrencyError. */
  upsert(persistenceId: string, revision: number, value: unknown, tag?: string): Promise<void>;
  /** Deletes the value as change `revision` (current + 1, else ConcurrencyError); revisions are never reused. */
  delete(persistenceId: string, revision: number): Promise<void>;
  /**
   * Aborted when the store is closed (its reason a StoreClosedError), so a live query
   * waiting for changes ends at once instead of at its next poll. The guards provide it.
   */
  readonly closeSignal?: AbortSignal;
  /** Releases resources; later calls fail with StoreClosedError. Idempotent. */
  close(): Promise<void>;
}

/** One durable state change as queries deliver it: the id's latest revision at `ordering`. */
export interface DurableStateChange<S = unknown> {
  readonly persistenceId: string;
  readonly revision: number;
  /** The state after the change; null for a deletion. */
  readonly value: S | null;
  readonly tag: string | undefined;
  /** Position in the store's global order of changes; resume after the last one seen. */
  readonly ordering: number;
  /** Epoch milliseconds of the change. */
  readonly timestamp: number;
}

/** A durable state store that can serve `changesByTag`. */
export interface QueryableDurableStateStore extends DurableStateStore {
  /**
   * Ids whose latest change carries `tag` and has an ordering above `afterOrdering`, by
   * ordering, at most `limit`. Each id appears once, at its latest change (older revisions
   * are overwritten, as in Akka's durable state queries).
   */
  readChangesByTag(tag: string, afterOrdering: number, limit: number): Promise<DurableStateChange[]>;
  /** Calls `listener` after changes, so live queries wake up instead of polling blindly. */
  subscribe?(listener: (notification: { readonly ordering: number }) => void): Promise<{ close(): Promise<void> }>;
}

/** True when the store declares the `queries` capability, i.e. implements {@link QueryableDurableStateStore}. */
export function isQueryableDurableStateStore(store: DurableStateStore): store is QueryableDurableStateStore {
  return typeof store === 'object' && store !== null && durableStateCapabilities(store).queries;
}

/** One durable state as stored, whole: what export writes and import restores. */
export interface StoredDurableState<S = unknown> {
  readonly persistenceId: string;
  /** Number of changes so far (at least 1). */
  readonly revision: number;
  /** The value; null once deleted. */
  readonly value: S | null;
  readonly tag: string | undefined;
  /** Epoch milliseconds of the latest change. */
  readonly timestamp: number;
}

/** A durable state store whose ids tools can list and whose states they can move whole. */
export interface TransferableDurableStateStore extends DurableStateStore {
  /** Ids with a stored state (deleted ones included), ascending, after `afterId`, at most `limit`. */
  listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]>;
  /** The stored state with its tag and time; null when the id was never written. */
  readStored(persistenceId: string): Promise<StoredDurableState | null>;
  /**
   * Writes `state` as it is (its revision, tag and time), for an id never written here;
   * an id that has a state already gives ConcurrencyError and is left as it was.
   */
  restore(state: StoredDurableState): Promise<void>;
}

/** True when the store declares the `transfer` capability, i.e. implements {@link TransferableDurableStateStore}. */
export function isTransferableDurableStateStore(store: DurableStateStore): store is TransferableDurableStateStore {
  return typeof store === 'object' && store !== null && durableStateCapabilities(store).transfer;
}

/** A change with the offset to resume after it. */
export interface DurableStateChangeEnvelope<S = unknown> extends DurableStateChange<S> {
  readonly offset: Offset;
}

/** Queries over durable state. */
export interface DurableStateQueries {
  /** Changes of ids tagged `tag` after `offset`; live, new changes as they happen. */
  changesByTag(tag: string, offset: Offset, opts?: QueryOptions): AsyncIterable<DurableStateChangeEnvelope>;
}
