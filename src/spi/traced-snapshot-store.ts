/**
 * A snapshot store as the runtime uses it when telemetry is on: save, load and delete
 * become spans with the persistence id and sequence numbers.
 * @module
 */
import type { Telemetry } from '../observability/telemetry.js';
import type { SnapshotStore } from './snapshot-store.js';
import { withOverrides } from './store-overrides.js';

/** `store` with its operations traced through `telemetry`. */
export function tracedSnapshotStore(store: SnapshotStore, telemetry: Telemetry): SnapshotStore {
  return withOverrides<SnapshotStore>(store, {
    save: (metadata, snapshot, options) =>
      telemetry.run(
        'memento.snapshot.save',
        { 'memento.persistence_id': metadata.persistenceId, 'memento.sequence_nr': metadata.sequenceNr },
        () => store.save(metadata, snapshot, options),
      ),
    load: (persistenceId, criteria, options) =>
      telemetry.run(
        'memento.snapshot.load',
        { 'memento.persistence_id': persistenceId, 'memento.sequence_nr.max': criteria.maxSequenceNr },
        () => store.load(persistenceId, criteria, options),
        (selected) => ({ 'memento.found': selected !== null, 'memento.sequence_nr': selected?.metadata.sequenceNr }),
      ),
    delete: (metadata) =>
      telemetry.run(
        'memento.snapshot.delete',
        { 'memento.persistence_id': metadata.persistenceId, 'memento.sequence_nr': metadata.sequenceNr },
        () => store.delete(metadata),
      ),
    deleteMatching: (persistenceId, criteria) =>
      telemetry.run(
        'memento.snapshot.delete',
        { 'memento.persistence_id': persistenceId, 'memento.sequence_nr.max': criteria.maxSequenceNr },
        () => store.deleteMatching(persistenceId, criteria),
      ),
  });
}
