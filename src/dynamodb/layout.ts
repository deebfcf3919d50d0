/**
 * The single-table layout (docs/dynamodb.md): every item's partition key is a kind prefix
 * and the persistence id verbatim, its sort key a number; every item that a slice query
 * may later want carries a slice key and a write time, so a global secondary index by
 * (kind, entity type, slice) ordered by time can be added without rewriting any item.
 * @module
 */
import { entityTypeOf, sliceOf } from '../spi/slices.js';

/** Attribute names, short because DynamoDB counts them in every item's size. */
export const Attribute = {
  /** Partition key (S): `<kind>#<persistence id>`. */
  partitionKey: 'pk',
  /** Sort key (N): first sequence number (journal), sequence number (snapshot), 0 (state, journal meta). */
  sortKey: 'sk',
  /** Journal: last sequence number of the write (N). */
  last: 'last',
  /** Journal: first sequence number not deleted, once `deleteTo` trimmed or emptied the item (N). */
  liveFrom: 'lo',
  /** Journal: the write's events, packed (B); absent once deleted. */
  events: 'ev',
  /** Journal meta item: highest sequence number deleted (N). */
  deletedTo: 'del',
  /** Write time in epoch milliseconds (N): the range key of the slice index. */
  writtenAt: 'ts',
  /** Slice key (S): `<kind>#<entity type>#<slice>`, the hash key of the slice index. */
  sliceKey: 'sl',
  /** Random token of the write, to recognise our own write after a lost answer (S). */
  writeToken: 'w',
  /** Snapshot: the snapshot's own timestamp (N). */
  snapshotTimestamp: 'st',
  /** Snapshot or state: the payload envelope (B); state: absent once deleted. */
  payload: 'p',
  /** Snapshot: the user metadata envelope (B), when present. */
  metadata: 'm',
  /** Snapshot: where a large snapshot went (M: `n` bytes, `c` CRC-32 of its envelope). */
  external: 'ext',
  /** State: revision (N). */
  revision: 'rev',
  /** State: tag (S), when given; the hash key of the tag index. */
  tag: 'tag',
  /** Projection offset: the stored offset (N). */
  offset: 'off',
  /**
   * Id index key (S): `<kind>#<shard>`, the hash key of the id index, on the items that make
   * an id listable (a journal's first write, every snapshot, every state).
   */
  idKey: 'ik',
  /** State: the time of the latest change when a restore kept an older one than `ts` (N). */
  changedAt: 'ct',
} as const;

/** What an item holds, the first part of its partition key. */
export const Kind = { journal: 'j', snapshot: 's', state: 'd', offset: 'o' } as const;

/** One of {@link Kind}'s values. */
export type ItemKind = (typeof Kind)[keyof typeof Kind];

/** Name of the slice index when a table is created with one. */
export const SLICE_INDEX_NAME = 'memento_slices';

/** Name of the durable state tag index (hash `tag`, range `ts`) when a table is created with one. */
export const TAG_INDEX_NAME = 'memento_state_tags';

/** Name of the id index (hash `ik`, range `pk`, keys only) that lists persistence ids in order. */
export const ID_INDEX_NAME = 'memento_ids';

/**
 * Hash keys of the id index per kind: new ids spread over this many index partitions, so
 * registering ids is never limited to one partition's write rate. Fixed: a listing reads
 * every shard, so a table's items must all agree on it.
 */
export const ID_SHARDS = 16;

/** Default table name. */
export const DEFAULT_TABLE_NAME = 'memento';

/** Sort key of the journal's per-id meta item (below every sequence number). */
export const JOURNAL_META_SORT_KEY = 0;

/** The partition key of an id's items of one kind; the id is kept verbatim, so ids never collide. */
export function partitionKey(kind: ItemKind, persistenceId: string): string {
  return `${kind}#${persistenceId}`;
}

/**
 * The slice key of an id's items of one kind. The slice (digits) follows the last `#`, so
 * two (entity type, slice) pairs never produce the same key whatever the entity type holds.
 */
export function sliceKey(kind: ItemKind, persistenceId: string): string {
  return sliceKeyOf(kind, entityTypeOf(persistenceId), sliceOf(persistenceId));
}

/** The id index key of an id's items of one kind: its slice (a stable hash) folded into {@link ID_SHARDS}. */
export function idKey(kind: ItemKind, persistenceId: string): string {
  return idKeyOf(kind, sliceOf(persistenceId) % ID_SHARDS);
}

/** The id index key of one shard of a kind, as the id index is queried. */
export function idKeyOf(kind: ItemKind, shard: number): string {
  return `${kind}#${shard}`;
}

/** The slice key of one (entity type, slice) pair, as the slice index is queried. */
export function sliceKeyOf(kind: ItemKind, entityType: string, slice: number): string {
  return `${kind}#${entityType}#${slice}`;
}
