/**
 * `createInspection`: the {@link Inspection} over a journal, an optional snapshot store and
 * an optional durable state store, with the user's definitions. The CLI and the web
 * inspector are both views over it.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { validatePersistenceId } from '../core/persistence-id.js';
import { SnapshotMetadata } from '../core/snapshot-metadata.js';
import { invalidArgument, validateInteger } from '../core/validation.js';
import type { DurableStateStore } from '../spi/durable-state-store.js';
import type { Journal } from '../spi/journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import { diffStates } from '../time-travel/state-diff.js';
import { DefinitionRegistry } from './definitions.js';
import { eventPage, followEvents } from './event-views.js';
import { allIds, type IdSources, idPage } from './id-summaries.js';
import type { Inspection, SnapshotView, StateOptions } from './inspection.js';
import type { ObservedSerialization } from './observed-serialization.js';
import { exactly, listSnapshots, readExactSnapshot, snapshotView } from './snapshot-reading.js';
import { rebuildState } from './state-rebuild.js';
import { type VerifyOptions, VerifyTally, verifyId } from './verify.js';

/** What {@link createInspection} inspects. */
export interface InspectionOptions {
  readonly journal: Journal;
  /** Without one, `snapshots` is empty and every rebuild replays from the first event. */
  readonly snapshotStore?: SnapshotStore | undefined;
  /** Where durable entities keep their state. */
  readonly durableStateStore?: DurableStateStore | undefined;
  /**
   * Definitions that rebuild state: an array of `defineEntity` / `defineDurableEntity` /
   * `defineState` results, a module's exports, or a registry. @default none (rebuilds fail, saying what to pass)
   */
  readonly definitions?: readonly unknown[] | Record<string, unknown> | DefinitionRegistry | undefined;
  /** The serialization the snapshot store was built with, when it is an ObservedSerialization: `snapshots` then shows size and serializer. */
  readonly serialization?: ObservedSerialization | undefined;
  /** `close()` closes the stores too. @default false */
  readonly closeStores?: boolean | undefined;
}

/** Ids per page when `verify('all')` walks the journal. */
const VERIFY_ID_PAGE = 500;

function registryOf(definitions: InspectionOptions['definitions']): DefinitionRegistry {
  if (definitions === undefined) return DefinitionRegistry.of([]);
  if (definitions instanceof DefinitionRegistry) return definitions;
  if (Array.isArray(definitions)) return DefinitionRegistry.of(definitions);
  if (typeof definitions === 'object' && definitions !== null)
    return DefinitionRegistry.fromExports(definitions as Record<string, unknown>);
  return invalidArgument('options.definitions', 'an array of definitions, a module namespace or a DefinitionRegistry', definitions);
}

/** Creates the inspection API over the given stores. */
export function createInspection(options: InspectionOptions): Inspection {
  if (typeof options !== 'object' || options === null)
    invalidArgument('options', 'an object { journal, snapshotStore?, definitions? }', options);
  const { journal, snapshotStore, durableStateStore, serialization } = options;
  if (typeof journal?.replay !== 'function') invalidArgument('options.journal', 'a Journal', journal);
  if (snapshotStore !== undefined && typeof snapshotStore?.load !== 'function')
    invalidArgument('options.snapshotStore', 'a SnapshotStore or undefined', snapshotStore);
  if (durableStateStore !== undefined && typeof durableStateStore?.get !== 'function') {
    invalidArgument('options.durableStateStore', 'a DurableStateStore or undefined', durableStateStore);
  }
  const registry = registryOf(options.definitions);
  const sources = { journal, snapshotStore, durableStateStore };
  const idSources: IdSources = sources;

  const stateAt = async (persistenceId: string, point: Parameters<Inspection['stateAt']>[1], stateOptions: StateOptions = {}) => {
    validatePersistenceId(persistenceId);
    const known = registry.forPersistenceId(persistenceId, stateOptions.definition);
    return rebuildState(sources, known, persistenceId, point, stateOptions);
  };

  const inspection: Inspection = {
    ids: async (idOptions) => idPage(idSources, idOptions),

    events: (persistenceId, eventOptions) => eventPage(journal, persistenceId, eventOptions),

    follow: (persistenceId, followOptions) => followEvents(journal, persistenceId, followOptions),

    async snapshots(persistenceId): Promise<SnapshotView[]> {
      validatePersistenceId(persistenceId);
      if (!snapshotStore) return [];
      const views: SnapshotView[] = [];
      for (const listed of await listSnapshots(snapshotStore, persistenceId)) {
        views.push(snapshotView(listed, await readExactSnapshot(snapshotStore, persistenceId, listed.sequenceNr), serialization));
      }
      return views;
    },

    definitions: () => registry.summaries(),

    stateAt,

    async diff(persistenceId, from, to, stateOptions) {
      const before = await stateAt(persistenceId, from, stateOptions);
      const after = await stateAt(persistenceId, to, stateOptions);
      return { from: before, to: after, differences: diffStates(before.state, after.state) };
    },

    async verify(persistenceIds, verifyOptions: VerifyOptions = {}) {
      if (verifyOptions.sample !== undefined) validateInteger(verifyOptions.sample, 'options.sample', {}, { min: 1 });
      if (persistenceIds !== 'all') {
        if (!Array.isArray(persistenceIds)) invalidArgument('persistenceIds', "an array of persistence ids or 'all'", persistenceIds);
        for (const id of persistenceIds) validatePersistenceId(id);
      }
      const tally = new VerifyTally();
      if (!snapshotStore) return tally.report();
      const verifySources = { journal, snapshotStore, definitions: registry };
      try {
        if (persistenceIds === 'all') {
          // Journal and snapshot ids: a snapshot whose events are all gone is checked (and reported) too.
          for await (const id of allIds({ journal, snapshotStore }, VERIFY_ID_PAGE)) {
            await verifyId(verifySources, id, tally, verifyOptions);
          }
        } else {
          for (const id of persistenceIds) await verifyId(verifySources, id, tally, verifyOptions);
        }
      } catch (error) {
        if ((error as Error)?.name !== 'AbortError') throw error;
        tally.interrupted = true;
      }
      return tally.report();
    },

    async deleteSnapshot(persistenceId, sequenceNr) {
      validatePersistenceId(persistenceId);
      validateInteger(sequenceNr, 'sequenceNr', { persistenceId }, { min: 0 });
      if (!snapshotStore) {
        throw new InvalidArgumentError(
          'snapshotStore',
          `cannot delete snapshot ${sequenceNr} of ${JSON.stringify(persistenceId)}: no snapshot store is configured`,
          {
            persistenceId,
          },
        );
      }
      let found: SnapshotMetadata | undefined;
      for await (const metadata of snapshotStore.list(persistenceId, exactly(sequenceNr))) found = metadata;
      if (!found) {
        const existing = (await listSnapshots(snapshotStore, persistenceId)).map((metadata) => metadata.sequenceNr);
        throw new InvalidArgumentError(
          'sequenceNr',
          `${JSON.stringify(persistenceId)} has no snapshot ${sequenceNr}; its snapshots: ${existing.length === 0 ? 'none' : existing.join(', ')}`,
          { persistenceId, expected: existing, actual: sequenceNr },
        );
      }
      await snapshotStore.delete(new SnapshotMetadata({ persistenceId, sequenceNr, timestamp: found.timestamp }));
    },

    async close() {
      if (!options.closeStores) return;
      await snapshotStore?.close();
      await durableStateStore?.close();
      await journal.close();
    },
  };
  return Object.freeze(inspection);
}
