/**
 * A snapshot store as the runtime uses it when telemetry is on: save, load and delete
 * become spans with the persistence id and sequence numbers.
 * @module
 */
import type { Telemetry } from '../observability/telemetry.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { withOverrides } from './guarded-store.js';
import type { SnapshotStore } from './snapshot-store.js';

/** `store` with its operations traced through `telemetry`. */
export function guardedSnapshotStore(store: SnapshotStore, telemetry: Telemetry): SnapshotStore {
  return withOverrides<SnapshotStore>(store, {
    save: (metadata, snapshot) =>
      telemetry.run(
        'memento.snapshot.save',
        { 'memento.persistence_id': metadata.persistenceId, 'memento.sequence_nr': metadata.sequenceNr },
        () => store.save(metadata, snapshot),
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

/** `store` behind `breaker`: save, load, delete and deleteMatching are timed calls. */
export function breakerSnapshotStore(store: SnapshotStore, breaker: CircuitBreaker): SnapshotStore {
  return withOverrides<SnapshotStore>(store, {
    save: (metadata, snapshot) => breaker.call('snapshotStore.save', metadata.persistenceId, () => store.save(metadata, snapshot)),
    load: (persistenceId, criteria, options) =>
      breaker.call('snapshotStore.load', persistenceId, () => store.load(persistenceId, criteria, options)),
    delete: (metadata) => breaker.call('snapshotStore.delete', metadata.persistenceId, () => store.delete(metadata)),
    deleteMatching: (persistenceId, criteria) =>
      breaker.call('snapshotStore.deleteMatching', persistenceId, () => store.deleteMatching(persistenceId, criteria)),
  });
}
