/**
 * The guard every durable state store runs in front of its I/O: refusing use after close,
 * checking arguments and reporting timings to the hooks. A plugin implements
 * {@link DurableStateStoreCore}; {@link GuardedDurableStateStore} is the public store.
 * @module
 */
import { validatePersistenceId } from '../core/persistence-id.js';
import type { DurableStateCapabilities } from './capabilities.js';
import type {
  DurableStateChange,
  DurableStateRecord,
  QueryableDurableStateStore,
  StoredDurableState,
  TransferableDurableStateStore,
} from './durable-state-store.js';
import { validateRestore, validateStateChange } from './durable-state-support.js';
import { GuardedStore, type StoreGuardOptions } from './guarded-store.js';
import { validateIdListing, validateOrderingRead } from './queryable-journal.js';

/** A state serialized for storing, with its size in bytes for the hooks. */
export interface PreparedState {
  readonly bytes: number;
}

/** Notified after changes; see {@link QueryableDurableStateStore.subscribe}. */
export type StateChangeListener = (notification: { readonly ordering: number }) => void;

/**
 * The I/O of a durable state store. {@link GuardedDurableStateStore} calls it only while
 * open, with checked arguments, inside the hook timing; the core only reads and writes.
 */
export interface DurableStateStoreCore<P extends PreparedState = PreparedState> {
  /**
   * Declared as the store's capabilities; `queries` needs `readChangesByTag`, `live` needs
   * `subscribe`, `transfer` needs `listPersistenceIds`, `readStored` and `restore`.
   */
  readonly capabilities?: DurableStateCapabilities;
  /** The current value and revision of a valid id. */
  get(persistenceId: string): Promise<DurableStateRecord>;
  /** Serializes an upsert (throws before anything is stored when the value cannot be kept). */
  prepareUpsert(persistenceId: string, revision: number, value: unknown, tag: string | undefined): P;
  /** Stores what {@link prepareUpsert} made as `revision` (current + 1, else ConcurrencyError). */
  upsert(prepared: P, persistenceId: string, revision: number, tag: string | undefined): Promise<void>;
  /** Deletes the value as change `revision` (current + 1, else ConcurrencyError). */
  delete(persistenceId: string, revision: number): Promise<void>;
  /** With the `queries` capability: see {@link QueryableDurableStateStore.readChangesByTag}. */
  readChangesByTag?(tag: string, afterOrdering: number, limit: number): Promise<DurableStateChange[]>;
  /** With the `live` capability: see {@link QueryableDurableStateStore.subscribe}. */
  subscribe?(listener: StateChangeListener): Promise<{ close(): Promise<void> }>;
  /** With the `transfer` capability: see {@link TransferableDurableStateStore.listPersistenceIds}. */
  listPersistenceIds?(afterId: string | undefined, limit: number): Promise<string[]>;
  /** With the `transfer` capability: see {@link TransferableDurableStateStore.readStored}. */
  readStored?(persistenceId: string): Promise<StoredDurableState | null>;
  /**
   * With the `transfer` capability: writes a checked `state` (`revision` and `timestamp` are its
   * validated fields) for an id never written, else ConcurrencyError; see {@link TransferableDurableStateStore.restore}.
   */
  restore?(state: StoredDurableState, revision: number, timestamp: number): Promise<void>;
  /** Releases resources; called once, on the first `close()`. */
  close(): Promise<void>;
}

/** What {@link GuardedDurableStateStore} needs besides the core. */
export type DurableStateGuardOptions = StoreGuardOptions;

/**
 * A durable state store around a {@link DurableStateStoreCore}: every public method refuses
 * a closed store and validates its arguments, then times the core's I/O for the hooks.
 * `subscribe` exists only when the core has it; `readChangesByTag` and the transfer methods
 * work when the core declares `queries` and `transfer`.
 */
export class GuardedDurableStateStore<P extends PreparedState = PreparedState>
  extends GuardedStore<DurableStateStoreCore<P>>
  implements QueryableDurableStateStore, TransferableDurableStateStore
{
  readonly capabilities: DurableStateCapabilities;

  constructor(core: DurableStateStoreCore<P>, options: DurableStateGuardOptions) {
    super(core, options, 'durableStateStore');
    this.capabilities = core.capabilities ?? {};
    // No `subscribe` to call on a store without notifications; readers go by capabilities.live.
    if (!core.subscribe) Object.defineProperty(this, 'subscribe', { value: undefined });
  }

  async get(persistenceId: string): Promise<DurableStateRecord> {
    this.lifecycle.assertOpen('get', persistenceId);
    validatePersistenceId(persistenceId);
    return this.timed('state.get', { persistenceId }, () => this.core.get(persistenceId));
  }

  async upsert(persistenceId: string, revision: number, value: unknown, tag?: string): Promise<void> {
    this.lifecycle.assertOpen('upsert', persistenceId);
    const checked = validateStateChange(persistenceId, revision, tag);
    const prepared = this.core.prepareUpsert(persistenceId, checked, value, tag);
    await this.timed('state.upsert', { persistenceId, bytes: prepared.bytes }, () =>
      this.core.upsert(prepared, persistenceId, checked, tag),
    );
  }

  async delete(persistenceId: string, revision: number): Promise<void> {
    this.lifecycle.assertOpen('delete', persistenceId);
    const checked = validateStateChange(persistenceId, revision);
    await this.timed('state.delete', { persistenceId }, () => this.core.delete(persistenceId, checked));
  }

  async readChangesByTag(tag: string, afterOrdering: number, limit: number): Promise<DurableStateChange[]> {
    this.lifecycle.assertOpen('readChangesByTag');
    const { after, max } = validateOrderingRead(afterOrdering, limit, tag, { tagRequired: true, source: this.source });
    const read = this.coreMethod('readChangesByTag', 'this durable state store does not declare the queries capability');
    return read.call(this.core, tag, after, max);
  }

  /** With the `transfer` capability: ids with a stored state (deleted ones included), ascending. */
  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, this.source);
    return this.#transfer('listPersistenceIds').call(this.core, afterId, max);
  }

  /** With the `transfer` capability: the stored state with its tag and time; null when never written. */
  async readStored(persistenceId: string): Promise<StoredDurableState | null> {
    this.lifecycle.assertOpen('readStored', persistenceId);
    validatePersistenceId(persistenceId);
    const read = this.#transfer('readStored');
    return this.timed('state.readStored', { persistenceId }, () => read.call(this.core, persistenceId));
  }

  /** With the `transfer` capability: writes `state` as it is, for an id never written here (else ConcurrencyError). */
  async restore(state: StoredDurableState): Promise<void> {
    this.lifecycle.assertOpen('restore', state?.persistenceId);
    const { revision, timestamp } = validateRestore(state);
    const restore = this.#transfer('restore');
    await this.timed('state.restore', { persistenceId: state.persistenceId }, () => restore.call(this.core, state, revision, timestamp));
  }

  #transfer<K extends 'listPersistenceIds' | 'readStored' | 'restore'>(name: K): NonNullable<DurableStateStoreCore<P>[K]> {
    return this.coreMethod(name, 'this durable state store does not declare the transfer capability');
  }

  async subscribe(listener: StateChangeListener): Promise<{ close(): Promise<void> }> {
    this.lifecycle.assertOpen('subscribe');
    return (this.core.subscribe as NonNullable<DurableStateStoreCore['subscribe']>).call(this.core, listener);
  }

  /** Aborted when the store closes, with a StoreClosedError as its reason (live queries listen to it). */
  get closeSignal(): AbortSignal {
    return this.lifecycle.closeSignal;
  }
}
