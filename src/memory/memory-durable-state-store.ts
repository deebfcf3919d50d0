/**
 * In-memory durable state store: the reference implementation of the DurableStateStore SPI.
 * @module
 */
import { Serialization } from '../serialization/serialization.js';
import type { DurableStateCapabilities } from '../spi/capabilities.js';
import type { DurableStateChange, DurableStateRecord, StoredDurableState } from '../spi/durable-state-store.js';
import {
  decodeState,
  type EncodedState,
  encodeState,
  prepareState,
  restoreConflict,
  revisionConflict,
} from '../spi/durable-state-support.js';
import { type DurableStateStoreCore, GuardedDurableStateStore, type StateChangeListener } from '../spi/guarded-durable-state-store.js';
import { ChangeListeners } from '../spi/queryable-journal.js';
import type { StoreOptions } from '../spi/store-options.js';

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

/** The I/O of {@link MemoryDurableStateStore}: entries in a map. */
class MemoryDurableStateCore implements DurableStateStoreCore<EncodedState> {
  /** ChangesByTag queries, live notifications, listing and whole-state transfer. */
  readonly capabilities: DurableStateCapabilities = { queries: true, live: true, transfer: true };
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new ChangeListeners();
  #ordering = 0;

  constructor(private readonly serialization: Serialization) {}

  async get(persistenceId: string): Promise<DurableStateRecord> {
    const entry = this.#entries.get(persistenceId);
    if (!entry) return { value: null, revision: 0 };
    const value = decodeState(entry.payload, persistenceId, entry.revision, this.serialization);
    return { value, revision: entry.revision };
  }

  prepareUpsert(persistenceId: string, revision: number, value: unknown): EncodedState {
    return prepareState(value, persistenceId, revision, this.serialization);
  }

  async upsert({ payload }: EncodedState, persistenceId: string, revision: number, tag: string | undefined): Promise<void> {
    this.#change(persistenceId, revision, payload, tag, 'upsert');
  }

  async delete(persistenceId: string, revision: number): Promise<void> {
    // The tag stays, so tagged change queries see the deletion.
    this.#change(persistenceId, revision, null, this.#entries.get(persistenceId)?.tag, 'delete');
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
    const matching = [...this.#entries].filter(([, entry]) => entry.tag === tag && entry.ordering > afterOrdering);
    matching.sort(([, a], [, b]) => a.ordering - b.ordering);
    return matching.slice(0, limit).map(([persistenceId, entry]) => ({
      persistenceId,
      revision: entry.revision,
      value: decodeState(entry.payload, persistenceId, entry.revision, this.serialization),
      tag: entry.tag,
      ordering: entry.ordering,
      timestamp: entry.timestamp,
    }));
  }

  async listPersistenceIds(afterId: string | undefined, limit: number): Promise<string[]> {
    const ids = [...this.#entries.keys()].filter((id) => afterId === undefined || id > afterId).sort();
    return ids.slice(0, limit);
  }

  async readStored(persistenceId: string): Promise<StoredDurableState | null> {
    const entry = this.#entries.get(persistenceId);
    if (!entry) return null;
    const value = decodeState(entry.payload, persistenceId, entry.revision, this.serialization);
    return { persistenceId, revision: entry.revision, value, tag: entry.tag, timestamp: entry.timestamp };
  }

  async restore(state: StoredDurableState, revision: number, timestamp: number): Promise<void> {
    const { persistenceId } = state;
    const payload = state.value === null ? null : encodeState(state.value, persistenceId, revision, this.serialization);
    const current = this.#entries.get(persistenceId)?.revision ?? 0;
    if (current !== 0) throw restoreConflict(persistenceId, current, revision, NAME);
    this.#ordering++;
    this.#entries.set(persistenceId, { revision, payload, tag: state.tag, ordering: this.#ordering, timestamp });
    this.#listeners.notify(this.#ordering);
  }

  async subscribe(listener: StateChangeListener): Promise<{ close(): Promise<void> }> {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}

/** A durable state store held in process memory. */
export class MemoryDurableStateStore extends GuardedDurableStateStore<EncodedState> {
  /** How this store turns values into stored bytes (its encryption included). */
  readonly serialization: Serialization;

  constructor(options: MemoryDurableStateStoreOptions = {}) {
    const serialization = options.serialization ?? new Serialization();
    super(new MemoryDurableStateCore(serialization), { source: NAME, hooks: options.hooks });
    this.serialization = serialization;
  }
}
