/**
 * The runtime's journal and snapshot store behind circuit breakers (src/spi/circuit-breaker.ts).
 * @module
 */
import type { PersistentRepr } from '../core/persistent-repr.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Journal } from './journal.js';
import type { SnapshotStore } from './snapshot-store.js';
import { withOverrides } from './store-overrides.js';

/**
 * `journal` behind `breaker`: write, highestSequenceNr and deleteTo are timed calls; a
 * replay is checked when it starts and reports how its iteration ended (a long replay is no
 * timeout).
 */
export function breakerJournal(journal: Journal, breaker: CircuitBreaker): Journal {
  return withOverrides<Journal>(journal, {
    write: (writes) => breaker.call('journal.write', writes[0]?.persistenceId, () => journal.write(writes)),
    highestSequenceNr: (persistenceId, from) =>
      breaker.call('journal.highestSequenceNr', persistenceId, () => journal.highestSequenceNr(persistenceId, from)),
    deleteTo: (persistenceId, toSequenceNr) =>
      breaker.call('journal.deleteTo', persistenceId, () => journal.deleteTo(persistenceId, toSequenceNr)),
    replay: (persistenceId, from, to, max) => ({
      [Symbol.asyncIterator]() {
        let outcome: ReturnType<CircuitBreaker['begin']> | undefined;
        let inner: AsyncIterator<PersistentRepr> | undefined;
        return {
          // No async function: its await would add promise steps to every event of a replay.
          next() {
            let result: Promise<IteratorResult<PersistentRepr>>;
            try {
              if (!inner) {
                // An open circuit throws here, before the replay starts: a rejection, as from an async next().
                outcome = breaker.begin('journal.replay', persistenceId);
                inner = journal.replay(persistenceId, from, to, max)[Symbol.asyncIterator]();
              }
              result = inner.next();
            } catch (error) {
              outcome?.failed(error);
              return Promise.reject(error);
            }
            return result.then(
              (step) => {
                if (step.done) outcome?.succeeded();
                return step;
              },
              (error: unknown) => {
                outcome?.failed(error);
                throw error;
              },
            );
          },
          async return() {
            outcome?.succeeded();
            return (await inner?.return?.()) ?? { done: true, value: undefined };
          },
        };
      },
    }),
  });
}

/** `store` behind `breaker`: save, load, delete and deleteMatching are timed calls. */
export function breakerSnapshotStore(store: SnapshotStore, breaker: CircuitBreaker): SnapshotStore {
  return withOverrides<SnapshotStore>(store, {
    save: (metadata, snapshot, options) =>
      breaker.call('snapshotStore.save', metadata.persistenceId, () => store.save(metadata, snapshot, options)),
    load: (persistenceId, criteria, options) =>
      breaker.call('snapshotStore.load', persistenceId, () => store.load(persistenceId, criteria, options)),
    delete: (metadata) => breaker.call('snapshotStore.delete', metadata.persistenceId, () => store.delete(metadata)),
    deleteMatching: (persistenceId, criteria) =>
      breaker.call('snapshotStore.deleteMatching', persistenceId, () => store.deleteMatching(persistenceId, criteria)),
  });
}
