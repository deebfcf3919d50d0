/**
 * The guard every durable state store runs in front of its I/O: refusing use after close,
 * checking arguments and reporting timings to the hooks. A plugin implements
 * {@link DurableStateStoreCore}; {@link GuardedDurableStateStore} is the public store.
 * @module
 */
import { validatePersistenceId } from '../core/persistence-id.js';
import { measure, type PersistenceHooks } from '../observability/hooks.js';
import type { DurableStateCapabilities } from './capabilities.js';
import type { DurableStateChange, DurableStateRecord, QueryableDurableStateStore } from './durable-state-store.js';
import { validateStateChange } from './durable-state-support.js';
import { validateOrderingRead } from './queryable-journal.js';
import { StoreLifecycle } from './store-options.js';

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
  /** Declared as the store's capabilities; `queries` needs `readChangesByTag`, `live` needs `subscribe`. */
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
  /** Releases resources; called once, on the first `close()`. */
  close(): Promise<void>;
}

/** What {@link GuardedDurableStateStore} needs besides the core. */
export interface DurableStateGuardOptions {
  /** The store's name in errors and hook events (`'sqlite'`). */
  readonly source: string;
  /** Timing callbacks. @default none */
  readonly hooks?: PersistenceHooks | undefined;
  /** The lifecycle to share with a core that checks it again mid-operation. @default a new one */
  readonly lifecycle?: StoreLifecycle | undefined;
}

/**
 * A durable state store around a {@link DurableStateStoreCore}: every public method refuses
 * a closed store and validates its arguments, then times the core's I/O for the hooks.
 * `readChangesByTag` and `subscribe` exist only when the core has them.
 */
export class GuardedDurableStateStore<P extends PreparedState = PreparedState> implements QueryableDurableStateStore {
  readonly capabilities: DurableStateCapabilities;
  /** Refuses use after close; subclasses use it to guard methods of their own. */
  protected readonly lifecycle: StoreLifecycle;
  readonly #core: DurableStateStoreCore<P>;
  readonly #source: string;
  readonly #hooks: PersistenceHooks | undefined;

  constructor(core: DurableStateStoreCore<P>, options: DurableStateGuardOptions) {
    this.#core = core;
    this.#source = options.source;
    this.#hooks = options.hooks;
    this.lifecycle = options.lifecycle ?? new StoreLifecycle(options.source, 'durableStateStore');
    this.capabilities = core.capabilities ?? {};
    // Readers look for `subscribe` to decide whether to wait for notifications.
    if (!core.subscribe) Object.defineProperty(this, 'subscribe', { value: undefined });
  }

  async get(persistenceId: string): Promise<DurableStateRecord> {
    this.lifecycle.assertOpen('get', persistenceId);
    validatePersistenceId(persistenceId);
    return measure(this.#hooks, { operation: 'state.get', store: this.#source, persistenceId }, () => this.#core.get(persistenceId));
  }

  async upsert(persistenceId: string, revision: number, value: unknown, tag?: string): Promise<void> {
    this.lifecycle.assertOpen('upsert', persistenceId);
    const checked = validateStateChange(persistenceId, revision, tag);
    const prepared = this.#core.prepareUpsert(persistenceId, checked, value, tag);
    await measure(this.#hooks, { operation: 'state.upsert', store: this.#source, persistenceId, bytes: prepared.bytes }, () =>
      this.#core.upsert(prepared, persistenceId, checked, tag),
    );
  }

  async delete(persistenceId: string, revision: number): Promise<void> {
    this.lifecycle.assertOpen('delete', persistenceId);
    const checked = validateStateChange(persistenceId, revision);
    await measure(this.#hooks, { operation: 'state.delete', store: this.#source, persistenceId }, () =>
      this.#core.delete(persistenceId, checked),
    );
  }

  async readChangesByTag(tag: string, afterOrdering: number, limit: number): Promise<DurableStateChange[]> {
    this.lifecycle.assertOpen('readChangesByTag');
    const { after, max } = validateOrderingRead(afterOrdering, limit, tag, { tagRequired: true, source: this.#source });
    const read = this.#core.readChangesByTag;
    if (!read) throw new TypeError(`${this.#source}: this durable state store does not declare the queries capability`);
    return read.call(this.#core, tag, after, max);
  }

  async subscribe(listener: StateChangeListener): Promise<{ close(): Promise<void> }> {
    this.lifecycle.assertOpen('subscribe');
    return (this.#core.subscribe as NonNullable<DurableStateStoreCore['subscribe']>).call(this.#core, listener);
  }

  /** Closes the store; later calls fail with StoreClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.lifecycle.close()) await this.#core.close();
  }
}
