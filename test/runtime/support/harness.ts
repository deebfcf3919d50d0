/**
 * Per-test fixture of the entity suite: fresh stores from the factory, wrapped for fault
 * injection, plus runtimes that are closed after the test.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import {
  createPersistence,
  type DurableStateStore,
  type Journal,
  type Persistence,
  type PersistenceOptions,
  type SnapshotStore,
} from '../../../src/index.js';
import { FaultyDurableStateStore, FaultyJournal, FaultySnapshotStore } from './faulty-stores.js';
import { RecordingLogger } from './recording-logger.js';

/** What a backend gives the suite. */
export interface RuntimeStores {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  /** Needed by the durable state suite only. */
  readonly durableStateStore?: DurableStateStore;
  /** Runs after the stores are closed (drop a schema, remove a temp dir). */
  readonly cleanup?: () => Promise<void>;
}

/** Builds fresh stores for one test. */
export type MakeStores = () => Promise<RuntimeStores>;

/** One test's stores and runtimes. */
export interface Harness {
  readonly journal: FaultyJournal;
  readonly snapshotStore: FaultySnapshotStore;
  /** Present when the factory gave a durable state store. */
  readonly durableStateStore: FaultyDurableStateStore | undefined;
  readonly logger: RecordingLogger;
  /** A runtime over the test's stores; stores survive its close, so tests can restart. */
  start(options?: Partial<PersistenceOptions>): Persistence;
  /** A unique entity id, so backends may share one database between tests. */
  id(label?: string): string;
}

/** Registers setup and teardown in the current describe; call the result inside tests. */
export function useHarness(makeStores: MakeStores): () => Harness {
  let current: (Harness & { dispose(): Promise<void> }) | undefined;
  beforeEach(async () => {
    const stores = await makeStores();
    const runtimes: Persistence[] = [];
    const journal = new FaultyJournal(stores.journal);
    const snapshotStore = new FaultySnapshotStore(stores.snapshotStore);
    const durableStateStore = stores.durableStateStore && new FaultyDurableStateStore(stores.durableStateStore);
    const logger = new RecordingLogger();
    current = {
      journal,
      snapshotStore,
      durableStateStore,
      logger,
      start: (options = {}) => {
        const persistence = createPersistence({ journal, snapshotStore, durableStateStore, logger, ...options });
        runtimes.push(persistence);
        return persistence;
      },
      id: (label = 'e') => `${label}-${randomUUID().slice(0, 8)}`,
      dispose: async () => {
        journal.writeFailure = journal.readFailure = journal.writeGate = undefined;
        snapshotStore.loadFailure = snapshotStore.saveFailure = snapshotStore.saveGate = undefined;
        if (durableStateStore) durableStateStore.getFailure = durableStateStore.writeFailure = durableStateStore.writeGate = undefined;
        await Promise.allSettled(runtimes.map((runtime) => runtime.close()));
        await stores.journal.close();
        await stores.snapshotStore.close();
        await stores.durableStateStore?.close();
        await stores.cleanup?.();
      },
    };
  });
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('harness used outside a test');
    return current;
  };
}
