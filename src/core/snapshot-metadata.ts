/**
 * Identity and time of a stored snapshot.
 * @module
 */
import { validatePersistenceId } from './persistence-id.js';
import { validateInteger, validateTimestamp } from './validation.js';

/** Fields accepted by the {@link SnapshotMetadata} constructor. */
export interface SnapshotMetadataInit {
  readonly persistenceId: string;
  /** Sequence number of the last event the snapshot includes (0 = before any event). */
  readonly sequenceNr: number;
  /** Epoch milliseconds; defaults to `Date.now()`. */
  readonly timestamp?: number;
  /** User metadata stored with the snapshot and handed back on recovery. */
  readonly metadata?: unknown;
}

/** Describes a snapshot: whose, up to which event, when, and optional user metadata. */
export class SnapshotMetadata {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly timestamp: number;
  readonly metadata: unknown;

  constructor(init: SnapshotMetadataInit) {
    validatePersistenceId(init?.persistenceId, 'metadata.persistenceId');
    const context = { persistenceId: init.persistenceId };
    this.persistenceId = init.persistenceId;
    this.sequenceNr = validateInteger(init.sequenceNr, 'metadata.sequenceNr', context, { min: 0 });
    this.timestamp = init.timestamp === undefined ? Date.now() : validateTimestamp(init.timestamp, 'metadata.timestamp', context);
    this.metadata = init.metadata;
    Object.freeze(this);
  }

  /** Accepts a {@link SnapshotMetadata} or a plain object with its fields, validated. */
  static from(value: SnapshotMetadataInit): SnapshotMetadata {
    return value instanceof SnapshotMetadata ? value : new SnapshotMetadata(value);
  }

  /** A new metadata object with the given user metadata. */
  withMetadata(metadata: unknown): SnapshotMetadata {
    return new SnapshotMetadata({ ...this.toJSON(), metadata });
  }

  /** A new metadata object with some fields replaced. */
  copy(changes: Partial<SnapshotMetadataInit>): SnapshotMetadata {
    return new SnapshotMetadata({ ...this.toJSON(), ...changes });
  }

  /** Plain-object form, for logs and serialization. */
  toJSON(): SnapshotMetadataInit {
    const { persistenceId, sequenceNr, timestamp, metadata } = this;
    return metadata === undefined ? { persistenceId, sequenceNr, timestamp } : { persistenceId, sequenceNr, timestamp, metadata };
  }
}
