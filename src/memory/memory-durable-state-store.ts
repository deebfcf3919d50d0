/**
 * In-memory durable state store: the reference implementation of the DurableStateStore SPI.
 * @module
 */
import { validatePersistenceId } from '../core/persistence-id.js';
import { measure } from '../observability/hooks.js';
import { Serialization } from '../serialization/serialization.js';
import type { DurableStateCapabilities } from '../spi/capabilities.js';
import type {
  DurableStateChange,
  DurableStateRecord,
  QueryableDurableStateStore,
  StoredDurableState,
  TransferableDurableStateStore,
} from '../spi/durable-state-store.js';
import {
  decodeState,
  encodeState,
  restoreConflict,
  revisionConflict,
  validateRestore,
  validateStateChange,
} from '../spi/durable-state-support.js';
import { ChangeListeners, validateIdListing, validateOrderingRead } from '../spi/queryable-journal.js';
import { StoreLifecycle, type StoreOptions } from '../spi/store-options.js';

const NAME = 'memory';

interface Entry {
  revision: number;
  payload: Uint8Array | null;
  tag: string | undefined;
  /** Position of the latest change in the store's global order. */
  ordering: number;
  timestamp: number;
}

/** Options of {@link MemoryDurableStateStore}. */
export type MemoryDurableStateStoreOptions = StoreOptions;

/** A durable state store held in process memory. */
export class MemoryDurableStateStore implements QueryableDurableStateStore, TransferableDurableStateStore {
  /** ChangesByTag queries, live notifications, listing and whole-state transfer. */
  readonly capabilities: DurableStateCapabilities = { queries: true, live: true, transfer: true };
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new ChangeListeners();
  #ordering = 0;
  readonly #serialization: Serialization;
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;
  readonly #hooks: StoreOptions['hooks'];
  readonly #lifecycle = new StoreLifecycle(NAME, 'durableStateStore');

  constructor(options: MemoryDurableStateStoreOptions = {}) {
    this.#serialization = options.serialization ?? new Serialization();
    this.serialization = this.#serialization;
    this.#hooks = options.hooks;
  }

  async get(persistenceId: string): Promise<DurableStateRecord> {
    this.#lifecycle.assertOpen('get', persistenceId);
    validatePersistenceId(persistenceId);
    const entry = this.#entries.get(persistenceId);
    if (!entry) return { value: null, revision: 0 };
    const value = decodeState(entry.payload, persistenceId, entry.revision, this.#serialization);
    return { value, revision: entry.revision };
  }

  async upsert(persistenceId: string, revision: number, value: unknown, tag?: string): Promise<void> {
    this.#lifecycle.assertOpen('upsert', persistenceId);
    const checked = validateStateChange(persistenceId, revision, tag);
    const payload = encodeState(value, persistenceId, checked, this.#serialization);
    await measure(this.#hooks, { operation: 'state.upsert', store: NAME, persistenceId }, async () =>
      this.#change(persistenceId, checked, payload, tag, 'upsert'),
    );
  }

  async delete(persistenceId: string, revision: number): Promise<void> {
    this.#lifecycle.assertOpen('delete', persistenceId);
    const checked = validateStateChange(persistenceId, revision);
    // The tag stays, so tagged change queries see the deletion.
    this.#change(persistenceId, checked, null, this.#entries.get(persistenceId)?.tag, 'delete');
  }

  #change(
    persistenceId: string,
    revision: number,
    payload: Uint8Array | null,
    tag: string | undefined,
    operation: 'upsert' | 'delete',
  ): void {
    const current = this.#entries.get(persistenceId)?.revision ?? 0;
    if (revision !== current + 1) throw revisionConflict(persistenceId, current, revision, operation, NAME);
    this.#ordering++;
    this.#entries.set(persistenceId, { revision, payload, tag, ordering: this.#ordering, timestamp: Date.now() });
    this.#listeners.notify(this.#ordering);
  }

  async readChangesByTag(tag: string, afterOrdering: number, limit: number): Promise<DurableStateChange[]> {
    this.#lifecycle.assertOpen('readChangesByTag');
    const { after, max } = validateOrderingRead(afterOrdering, limit, tag, { tagRequired: true });
    const matching = [...this.#entries].filter(([, entry]) => entry.tag === tag && entry.ordering > after);
    matching.sort(([, a], [, b]) => a.ordering - b.ordering);
    return matching.slice(0, max).map(([persistenceId, entry]) => ({
      persistenceId,
      revision: entry.revision,
      value: decodeState(entry.payload, persistenceId, entry.revision, this.#serialization),
      tag: entry.tag,
      ordering: entry.ordering,
      timestamp: entry.timestamp,
    }));
  }

  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    this.#lifecycle.assertOpen('listPersistenceIds');
    const max = validateIdListing(afterId, limit, NAME);
    const ids = [...this.#entries.keys()].filter((id) => afterId === undefined || id > afterId).sort();
    return ids.slice(0, max);
  }

  async readStored(persistenceId: string): Promise<StoredDurableState | null> {
    this.#lifecycle.assertOpen('readStored', persistenceId);
    validatePersistenceId(persistenceId);
    const entry = this.#entries.get(persistenceId);
    if (!entry) return null;
    const value = decodeState(entry.payload, persistenceId, entry.revision, this.#serialization);
    return { persistenceId, revision: entry.revision, value, tag: entry.tag, timestamp: entry.timestamp };
  }

  async restore(state: StoredDurableState): Promise<void> {
    this.#lifecycle.assertOpen('restore', state?.persistenceId);
    const { revision, timestamp } = validateRestore(state);
    const { persistenceId } = state;
    const payload = state.value === null ? null : encodeState(state.value, persistenceId, revision, this.#serialization);
    const current = this.#entries.get(persistenceId)?.revision ?? 0;
    if (current !== 0) throw restoreConflict(persistenceId, current, revision, NAME);
    this.#ordering++;
    this.#entries.set(persistenceId, { revision, payload, tag: state.tag, ordering: this.#ordering, timestamp });
    this.#listeners.notify(this.#ordering);
  }

  async subscribe(listener: (notification: { readonly ordering: number }) => void): Promise<{ close(): Promise<void> }> {
    this.#lifecycle.assertOpen('subscribe');
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#lifecycle.close();
    this.#listeners.clear();
  }
}
