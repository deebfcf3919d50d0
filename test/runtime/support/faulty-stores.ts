/**
 * Store wrappers for fault injection over any journal and snapshot store, so the entity
 * suite can test failure handling on every backend. `close()` is a no-op: one set of
 * stores outlives several runtimes (restarts); the suite closes the real stores itself.
 */
import {
  type AtomicWrite,
  CorruptSnapshotError,
  type DurableStateRecord,
  type DurableStateStore,
  type Journal,
  type PersistentRepr,
  type SelectedSnapshot,
  type SnapshotLoadOptions,
  type SnapshotMetadata,
  type SnapshotSaveOptions,
  type SnapshotSelectionCriteria,
  type SnapshotStore,
  StoreUnavailableError,
} from '../../../src/index.js';

/** A promise and the function that resolves it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A journal that can fail or hold writes on demand. */
export class FaultyJournal implements Journal {
  /** When set, `write` rejects as a whole with it (store down). */
  writeFailure: Error | undefined;
  /** When set, `highestSequenceNr` rejects with it. */
  readFailure: Error | undefined;
  /** When set, each write waits for it first. */
  writeGate: Promise<void> | undefined;
  /** When set, replay stops answering after `after` events until `gate` opens (a hung store). */
  replayHang: { readonly after: number; readonly gate: Promise<void> } | undefined;
  /** Every successful write call, for assertions. */
  readonly writes: AtomicWrite[] = [];

  #arrivals: (() => void)[] = [];

  constructor(readonly inner: Journal) {}

  /** Resolves when the next `write` call arrives (before it waits for the gate). */
  nextWrite(): Promise<void> {
    return new Promise((resolve) => this.#arrivals.push(resolve));
  }

  async write(writes: readonly AtomicWrite[]): Promise<(Error | undefined)[]> {
    for (const arrived of this.#arrivals.splice(0)) arrived();
    if (this.writeGate) await this.writeGate;
    if (this.writeFailure) throw this.writeFailure;
    const results = await this.inner.write(writes);
    writes.forEach((write, index) => {
      if (results[index] === undefined) this.writes.push(write);
    });
    return results;
  }

  replay(persistenceId: string, from: number, to: number, max?: number): AsyncIterable<PersistentRepr> {
    const hang = this.replayHang;
    if (!hang) return this.inner.replay(persistenceId, from, to, max);
    const inner = this.inner;
    return (async function* () {
      let delivered = 0;
      for await (const repr of inner.replay(persistenceId, from, to, max)) {
        if (delivered === hang.after) await hang.gate;
        delivered++;
        yield repr;
      }
    })();
  }

  async highestSequenceNr(persistenceId: string, from?: number): Promise<number> {
    if (this.readFailure) throw this.readFailure;
    return this.inner.highestSequenceNr(persistenceId, from);
  }

  deleteTo(persistenceId: string, toSequenceNr: number): Promise<void> {
    return this.inner.deleteTo(persistenceId, toSequenceNr);
  }

  async close(): Promise<void> {}
}

/** A snapshot store that can fail, hold saves, or pretend snapshots are unreadable. */
export class FaultySnapshotStore implements SnapshotStore {
  loadFailure: Error | undefined;
  /** When set, each `load` waits for it first (a hung store). */
  loadGate: Promise<void> | undefined;
  saveFailure: Error | undefined;
  saveGate: Promise<void> | undefined;
  /** Sequence numbers whose snapshots `load` treats as unreadable, reporting them as a store would. */
  readonly unreadable = new Set<number>();
  /** Sequence numbers of successful saves, in completion order. */
  readonly saved: number[] = [];

  constructor(readonly inner: SnapshotStore) {}

  async load(persistenceId: string, criteria: SnapshotSelectionCriteria, options?: SnapshotLoadOptions): Promise<SelectedSnapshot | null> {
    if (this.loadGate) await this.loadGate;
    if (this.loadFailure) throw this.loadFailure;
    let current = criteria;
    for (;;) {
      const selected = await this.inner.load(persistenceId, current, options);
      if (!selected) return null;
      const sequenceNr = selected.metadata.sequenceNr;
      if (!this.unreadable.has(sequenceNr)) return selected;
      options?.onSkipped?.({
        metadata: selected.metadata,
        error: new CorruptSnapshotError(`snapshot ${sequenceNr} of ${persistenceId} cannot be read: checksum mismatch (simulated)`, {
          persistenceId,
          sequenceNr,
        }),
      });
      if (sequenceNr - 1 < current.minSequenceNr) return null;
      current = current.copy({ maxSequenceNr: sequenceNr - 1 });
    }
  }

  async save(metadata: SnapshotMetadata, snapshot: unknown, options?: SnapshotSaveOptions): Promise<void> {
    if (this.saveGate) await this.saveGate;
    if (this.saveFailure) throw this.saveFailure;
    await this.inner.save(metadata, snapshot, options);
    this.saved.push(metadata.sequenceNr);
  }

  delete(metadata: SnapshotMetadata): Promise<void> {
    return this.inner.delete(metadata);
  }

  deleteMatching(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<void> {
    return this.inner.deleteMatching(persistenceId, criteria);
  }

  list(persistenceId: string, criteria?: SnapshotSelectionCriteria): AsyncIterable<SnapshotMetadata> {
    return this.inner.list(persistenceId, criteria);
  }

  async close(): Promise<void> {}
}

/** A durable state store that can fail or hold changes on demand, and records them. */
export class FaultyDurableStateStore implements DurableStateStore {
  /** When set, `get` rejects with it. */
  getFailure: Error | undefined;
  /** When set, `upsert` and `delete` reject with it (store down). */
  writeFailure: Error | undefined;
  /** When set, each change waits for it first. */
  writeGate: Promise<void> | undefined;
  /** Every successful change, for assertions. */
  readonly changes: { persistenceId: string; revision: number; value?: unknown; tag?: string | undefined; deleted?: true }[] = [];

  constructor(readonly inner: DurableStateStore) {}

  async get(persistenceId: string): Promise<DurableStateRecord> {
    if (this.getFailure) throw this.getFailure;
    return this.inner.get(persistenceId);
  }

  async upsert(persistenceId: string, revision: number, value: unknown, tag?: string): Promise<void> {
    if (this.writeGate) await this.writeGate;
    if (this.writeFailure) throw this.writeFailure;
    await this.inner.upsert(persistenceId, revision, value, tag);
    this.changes.push({ persistenceId, revision, value, tag });
  }

  async delete(persistenceId: string, revision: number): Promise<void> {
    if (this.writeGate) await this.writeGate;
    if (this.writeFailure) throw this.writeFailure;
    await this.inner.delete(persistenceId, revision);
    this.changes.push({ persistenceId, revision, deleted: true });
  }

  async close(): Promise<void> {}
}

/** The error a failing store raises. */
export const storeDown = (): StoreUnavailableError => new StoreUnavailableError('store down (simulated)', { source: 'test' });
