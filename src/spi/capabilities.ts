/**
 * What a store offers beyond its SPI, declared as flags rather than guessed from method
 * names. Every flag defaults to false, so a flag added later never breaks a plugin written
 * before it (as kysely's dialect adapters give every capability a default).
 * @module
 */

/** Optional abilities of a journal; each defaults to false. */
export interface JournalCapabilities {
  /**
   * Implements `readByOrdering` and `listPersistenceIds` (a `QueryableJournal`): persistence
   * queries (`createReadJournal`) and projections run on it.
   */
  readonly queries?: boolean;
  /** Keeps events' tags and filters `readByOrdering` by tag: `eventsByTag` works. */
  readonly tags?: boolean;
  /** Implements `subscribe`: live queries wake on its notifications instead of only polling. */
  readonly live?: boolean;
  /** Filters `readByOrdering` by entity type and slice range: `eventsBySlices` works. */
  readonly slices?: boolean;
  /**
   * Implements `listPersistenceIds` (a `ListableJournal`) without the global order of
   * `queries`: tools list its ids (`memento ids`, export). Implied by `queries`.
   */
  readonly listing?: boolean;
}

/** Optional abilities of a durable state store; each defaults to false. */
export interface DurableStateCapabilities {
  /** Implements `readChangesByTag` (a `QueryableDurableStateStore`): `changesByTag` works. */
  readonly queries?: boolean;
  /** Implements `subscribe`: live `changesByTag` wakes on its notifications instead of only polling. */
  readonly live?: boolean;
  /**
   * Implements `listPersistenceIds`, `readStored` and `restore` (a `TransferableDurableStateStore`):
   * tools list its ids and move whole states, revisions, tags and times kept (`memento ids`, export, import).
   */
  readonly transfer?: boolean;
}

/** Optional abilities of a snapshot store; each defaults to false. */
export interface SnapshotCapabilities {
  /** Implements `listPersistenceIds` (a {@link ListableSnapshotStore}): tools list the ids it holds snapshots of. */
  readonly listing?: boolean;
}

/** Optional abilities of a projection offset store; each defaults to false. */
export interface OffsetStoreCapabilities {
  /**
   * Implements `inTransaction` (a `TransactionalOffsetStore`): a projection's handler writes
   * and the offset commit together, so the projection is exactly-once.
   */
  readonly transactions?: boolean;
}

/** Anything that may declare capabilities. */
interface Declaring<C> {
  readonly capabilities?: C;
}

/** The journal's capabilities with every default filled in (false for anything undeclared). */
export function journalCapabilities(journal: object): Required<JournalCapabilities> {
  const declared = (journal as Declaring<JournalCapabilities>)?.capabilities ?? {};
  return {
    queries: declared.queries === true,
    tags: declared.tags === true,
    live: declared.live === true,
    slices: declared.slices === true,
    listing: declared.listing === true || declared.queries === true,
  };
}

/** The durable state store's capabilities with every default filled in (false for anything undeclared). */
export function durableStateCapabilities(store: object): Required<DurableStateCapabilities> {
  const declared = (store as Declaring<DurableStateCapabilities>)?.capabilities ?? {};
  return { queries: declared.queries === true, live: declared.live === true, transfer: declared.transfer === true };
}

/** The offset store's capabilities with every default filled in (false for anything undeclared). */
export function offsetStoreCapabilities(store: object): Required<OffsetStoreCapabilities> {
  const declared = (store as Declaring<OffsetStoreCapabilities>)?.capabilities ?? {};
  return { transactions: declared.transactions === true };
}

/** The snapshot store's capabilities with every default filled in. */
export function snapshotCapabilities(store: object): Required<SnapshotCapabilities> {
  const declared = (store as Declaring<SnapshotCapabilities>)?.capabilities ?? {};
  return { listing: declared.listing === true };
}
