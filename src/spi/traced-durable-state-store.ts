/**
 * A durable state store as the runtime uses it when telemetry is on: get, upsert and delete
 * become spans with the persistence id and revisions.
 * @module
 */
import type { Telemetry } from '../observability/telemetry.js';
import type { DurableStateStore } from './durable-state-store.js';
import { withOverrides } from './store-overrides.js';

/** `store` with its operations traced through `telemetry`. */
export function tracedDurableStateStore(store: DurableStateStore, telemetry: Telemetry): DurableStateStore {
  return withOverrides<DurableStateStore>(store, {
    get: (persistenceId) =>
      telemetry.run(
        'memento.state.get',
        { 'memento.persistence_id': persistenceId },
        () => store.get(persistenceId),
        (record) => ({ 'memento.revision': record.revision }),
      ),
    upsert: (persistenceId, revision, value, tag) =>
      telemetry.run(
        'memento.state.upsert',
        { 'memento.persistence_id': persistenceId, 'memento.revision': revision, 'memento.tag': tag },
        () => store.upsert(persistenceId, revision, value, tag),
      ),
    delete: (persistenceId, revision) =>
      telemetry.run('memento.state.delete', { 'memento.persistence_id': persistenceId, 'memento.revision': revision }, () =>
        store.delete(persistenceId, revision),
      ),
  });
}
