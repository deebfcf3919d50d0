/**
 * Saves and deletes an entity's snapshots in the background, strictly in order, and
 * applies retention after each successful save. Never throws: every outcome is a result
 * value, returned and also handed to `onResult` (signals, actor messages).
 * @module
 */
import { SnapshotMetadata } from '../../core/snapshot-metadata.js';
import {
  DeleteSnapshotFailure,
  DeleteSnapshotSuccess,
  DeleteSnapshotsFailure,
  DeleteSnapshotsSuccess,
  SaveSnapshotFailure,
  SaveSnapshotSuccess,
  type SnapshotResult,
} from '../../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../../core/snapshot-selection-criteria.js';
import type { Logger } from '../../observability/logger.js';
import type { Journal } from '../../spi/journal.js';
import { planSnapshotPruning, type SnapshotPruning } from '../../spi/snapshot-pruning.js';
import type { SnapshotStore } from '../../spi/snapshot-store.js';
import { DeleteMessagesFailure, DeleteMessagesSuccess } from '../cell/signals.js';
import { userSnapshotMetadata, type VersionedSnapshotMetadata } from '../recovery/snapshot-versioning.js';
import type { Retention } from './retention.js';

/** Results the writer produces. */
export type WriterResult = SnapshotResult | DeleteMessagesSuccess | DeleteMessagesFailure;

/** What a {@link SnapshotWriter} works on. */
export interface SnapshotWriterDeps {
  readonly persistenceId: string;
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly retention: Retention;
  /** Passed to the store: a snapshot over it is refused before anything is written. */
  readonly maxSnapshotBytes: number | undefined;
  readonly logger: Logger;
  readonly onResult: (result: WriterResult) => void;
}

/** One entity's queue of snapshot-store and deletion work. */
export class SnapshotWriter {
  #tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SnapshotWriterDeps) {}

  /** Resolves when every operation queued so far has finished. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }

  /** Saves `snapshot` as of `sequenceNr`, then applies retention. */
  save(sequenceNr: number, snapshot: unknown, metadata: VersionedSnapshotMetadata): Promise<SaveSnapshotSuccess | SaveSnapshotFailure> {
    return this.#enqueue(async () => {
      const stored = new SnapshotMetadata({ persistenceId: this.deps.persistenceId, sequenceNr, metadata });
      const shown = userSnapshotMetadata(stored);
      try {
        const limit = this.deps.maxSnapshotBytes;
        await (limit === undefined
          ? this.deps.snapshotStore.save(stored, snapshot)
          : this.deps.snapshotStore.save(stored, snapshot, { maxBytes: limit }));
      } catch (cause) {
        this.deps.logger.warn('[memento] [runtime] saving a snapshot failed; events are unaffected', {
          persistenceId: this.deps.persistenceId,
          sequenceNr,
          error: String(cause),
        });
        return this.#report(SaveSnapshotFailure(shown, cause));
      }
      this.#report(SaveSnapshotSuccess(shown));
      await this.#applyRetention();
      return SaveSnapshotSuccess(shown);
    });
  }

  /** Deletes the snapshot at `sequenceNr`. */
  deleteSnapshot(sequenceNr: number): Promise<DeleteSnapshotSuccess | DeleteSnapshotFailure> {
    return this.#enqueue(async () => {
      const metadata = new SnapshotMetadata({ persistenceId: this.deps.persistenceId, sequenceNr, timestamp: 0 });
      try {
        await this.deps.snapshotStore.delete(metadata);
        return this.#report(DeleteSnapshotSuccess(metadata));
      } catch (cause) {
        return this.#report(DeleteSnapshotFailure(metadata, cause));
      }
    });
  }

  /** Deletes every snapshot matching `criteria`. */
  deleteSnapshots(criteria: SnapshotSelectionCriteria): Promise<DeleteSnapshotsSuccess | DeleteSnapshotsFailure> {
    return this.#enqueue(() => this.#deleteMatching(criteria));
  }

  /** Deletes events up to `toSequenceNr` from the journal. */
  deleteMessages(toSequenceNr: number): Promise<DeleteMessagesSuccess | DeleteMessagesFailure> {
    return this.#enqueue(() => this.#deleteEvents(toSequenceNr));
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #report<T extends WriterResult>(result: T): T {
    this.deps.onResult(result);
    return result;
  }

  async #deleteMatching(criteria: SnapshotSelectionCriteria): Promise<DeleteSnapshotsSuccess | DeleteSnapshotsFailure> {
    try {
      await this.deps.snapshotStore.deleteMatching(this.deps.persistenceId, criteria);
      return this.#report(DeleteSnapshotsSuccess(criteria));
    } catch (cause) {
      return this.#report(DeleteSnapshotsFailure(criteria, cause));
    }
  }

  async #deleteEvents(toSequenceNr: number): Promise<DeleteMessagesSuccess | DeleteMessagesFailure> {
    try {
      await this.deps.journal.deleteTo(this.deps.persistenceId, toSequenceNr);
      return this.#report(DeleteMessagesSuccess(toSequenceNr));
    } catch (cause) {
      return this.#report(DeleteMessagesFailure(toSequenceNr, cause));
    }
  }

  /** keepNSnapshots, then deleteEventsOnSnapshot up to the oldest snapshot kept. */
  async #applyRetention(): Promise<void> {
    const { keepNSnapshots, deleteEventsOnSnapshot } = this.deps.retention;
    if (keepNSnapshots === undefined && !deleteEventsOnSnapshot) return;
    let pruning: SnapshotPruning;
    try {
      pruning = await planSnapshotPruning(this.deps.snapshotStore, this.deps.persistenceId, keepNSnapshots ?? Number.POSITIVE_INFINITY);
    } catch (cause) {
      this.deps.logger.warn('[memento] [runtime] listing snapshots for retention failed', {
        persistenceId: this.deps.persistenceId,
        error: String(cause),
      });
      return;
    }
    const { kept, older } = pruning;
    if (older) {
      const outcome = await this.#deleteMatching(older);
      if (outcome.type === 'DeleteSnapshotsFailure') return;
    }
    const oldestKept = kept[0];
    if (deleteEventsOnSnapshot && oldestKept !== undefined && oldestKept > 0) await this.#deleteEvents(oldestKept);
  }
}
