/**
 * The state of one id at a point, rebuilt by the time-travel API from the nearest snapshot
 * the definition can use (readable, and of a version it reads) plus a bounded replay.
 * @module
 */

import { InvalidArgumentError } from '../core/errors.js';
import type { PersistentRepr } from '../core/persistent-repr.js';
import type { SelectedSnapshot } from '../core/snapshot-results.js';
import type { SnapshotSelectionCriteria } from '../core/snapshot-selection-criteria.js';
import { nextTurn } from '../core/timers.js';
import { selectSnapshot } from '../runtime/recovery/snapshot-selection.js';
import type { DurableStateStore } from '../spi/durable-state-store.js';
import type { Journal } from '../spi/journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import { type TimePoint, validateTimePoint } from '../time-travel/point-in-time.js';
import { createTimeTravel } from '../time-travel/time-travel.js';
import type { EventSourcedFold, KnownDefinition } from './definitions.js';
import type { SkippedSnapshotView, StateView } from './inspection.js';
import { plainMessage } from './snapshot-reading.js';

/** Progress and cancellation of a long rebuild. */
export interface RebuildOptions {
  /** Stops the replay with an AbortError. */
  readonly signal?: AbortSignal | undefined;
  /** Events replayed so far, and how many the replay will take at most. */
  readonly onProgress?: ((done: number, total: number | undefined) => void) | undefined;
}

/** Reports progress every this many events. */
const PROGRESS_EVERY = 1000;

/** The error an aborted operation rejects with (the DOM's, as `fetch` does). */
export function abortError(what: string): Error {
  return new DOMException(`${what} was interrupted`, 'AbortError');
}

/** A journal whose replay counts events for progress and stops when the signal aborts. */
function observedJournal(journal: Journal, highest: number, options: RebuildOptions): Journal {
  if (!options.signal && !options.onProgress) return journal;
  return {
    write: (writes) => journal.write(writes),
    deleteTo: (id, to) => journal.deleteTo(id, to),
    close: () => journal.close(),
    highestSequenceNr: (id, from) => journal.highestSequenceNr(id, from),
    replay: (id, from, to, max) => ({
      [Symbol.asyncIterator]: () =>
        new ObservedReplay(
          journal.replay(id, from, to, max)[Symbol.asyncIterator](),
          Math.max(0, Math.min(to, highest) - from + 1),
          options,
        ),
    }),
  };
}

/**
 * The replay's iterator with counting and abort checks. A plain iterator rather than an
 * async generator: it hands the journal's own promise on (a generator adds several promise
 * hops per event, which a bounded replay over HTTP pays on every request).
 */
class ObservedReplay implements AsyncIterator<PersistentRepr, undefined> {
  #done = 0;
  #finished = false;
  constructor(
    private readonly inner: AsyncIterator<PersistentRepr, unknown>,
    private readonly total: number,
    private readonly options: RebuildOptions,
  ) {}

  next(): Promise<IteratorResult<PersistentRepr, undefined>> {
    if (this.options.signal?.aborted) return this.#abort();
    if (!this.options.onProgress) {
      // Without progress to report, the journal's own promise goes back as it is: a `then`
      // per event is garbage the collector pays for on every bounded replay. `#done` then
      // counts requests rather than events, which only places the turn taken every
      // PROGRESS_EVERY events.
      if (++this.#done % PROGRESS_EVERY === 0) {
        return nextTurn().then(() => (this.options.signal?.aborted ? this.#abort() : this.#passOn()));
      }
      return this.#passOn();
    }
    if (this.#done > 0 && this.#done % PROGRESS_EVERY === 0 && this.options.signal) {
      // Lets a Ctrl-C or a closed request abort the signal before the next event.
      return nextTurn().then(() => (this.options.signal?.aborted ? this.#abort() : this.#step()));
    }
    return this.#step();
  }

  return(): Promise<IteratorResult<PersistentRepr, undefined>> {
    this.#finished = true;
    return Promise.resolve(this.inner.return?.()).then(() => ({ done: true, value: undefined }));
  }

  #passOn(): Promise<IteratorResult<PersistentRepr, undefined>> {
    return this.inner.next() as Promise<IteratorResult<PersistentRepr, undefined>>;
  }

  #step(): Promise<IteratorResult<PersistentRepr, undefined>> {
    return this.inner.next().then((result) => {
      if (result.done) {
        if (!this.#finished) {
          this.#finished = true;
          this.options.onProgress?.(this.#done, this.total);
        }
        return { done: true, value: undefined };
      }
      if (++this.#done % PROGRESS_EVERY === 0) this.options.onProgress?.(this.#done, this.total);
      return result;
    });
  }

  #abort(): Promise<never> {
    this.#finished = true;
    return Promise.resolve(this.inner.return?.()).then(() => {
      throw abortError('rebuilding the state');
    });
  }
}

/** A snapshot store whose load returns the youngest snapshot `fold` can use, already turned into its state. */
function usableSnapshots(store: SnapshotStore, fold: EventSourcedFold, skipped: SkippedSnapshotView[]): Pick<SnapshotStore, 'load'> {
  return {
    async load(persistenceId: string, criteria: SnapshotSelectionCriteria): Promise<SelectedSnapshot | null> {
      const selection = await selectSnapshot(store, persistenceId, criteria, fold.codec);
      for (const skip of selection.skipped) {
        skipped.push({ sequenceNr: skip.metadata.sequenceNr, reason: skip.reason, message: plainMessage(skip.error) });
      }
      return selection.offer ? { metadata: selection.offer.metadata, snapshot: selection.offer.snapshot } : null;
    },
  };
}

/** Everything a rebuild reads. */
export interface RebuildSources {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore | undefined;
  readonly durableStateStore: DurableStateStore | undefined;
}

/** The state of `persistenceId` at `point` by `known`'s rules. */
export async function rebuildState(
  sources: RebuildSources,
  known: KnownDefinition,
  persistenceId: string,
  point: TimePoint,
  options: RebuildOptions = {},
): Promise<StateView> {
  if (known.kind === 'durable') return durableState(sources, known, persistenceId, point);
  const checked = validateTimePoint(point, persistenceId);
  const skipped: SkippedSnapshotView[] = [];
  const highest = await sources.journal.highestSequenceNr(persistenceId);
  const travel = createTimeTravel<unknown>({
    journal: observedJournal(sources.journal, checked.by === 'sequenceNr' ? Math.min(checked.value, highest) : highest, options),
    snapshotStore: sources.snapshotStore ? (usableSnapshots(sources.snapshotStore, known.fold, skipped) as SnapshotStore) : undefined,
    persistenceId,
    initialState: known.fold.initialState,
    apply: (state, _event, repr) => known.fold.apply(state, repr as PersistentRepr),
  });
  const rebuilt = await travel.stateAt(point);
  return { ...rebuilt, persistenceId, definition: known.name, skippedSnapshots: skipped };
}

/** Durable state keeps only its latest revision: that is the one point it has. */
async function durableState(
  sources: RebuildSources,
  known: KnownDefinition & { kind: 'durable' },
  persistenceId: string,
  point: TimePoint,
): Promise<StateView> {
  if (!sources.durableStateStore) {
    throw new InvalidArgumentError(
      'durableStateStore',
      `${JSON.stringify(persistenceId)} is a durable entity (${known.name}): its state needs a durable state store, and none is configured`,
      {
        persistenceId,
        expected: 'a durable state store',
        actual: undefined,
      },
    );
  }
  const checked = validateTimePoint(point, persistenceId);
  const { value, revision } = await sources.durableStateStore.get(persistenceId);
  if (checked.by !== 'sequenceNr' || checked.value !== revision) {
    throw new InvalidArgumentError(
      'point',
      `${JSON.stringify(persistenceId)} is a durable entity: it keeps only its latest revision, ${revision}; ask for that revision, not ${checked.by === 'sequenceNr' ? `revision ${checked.value}` : 'a timestamp'}`,
      {
        persistenceId,
        expected: `revision ${revision}`,
        actual: checked.value,
      },
    );
  }
  return {
    persistenceId,
    definition: known.name,
    state: value ?? known.definition.emptyState,
    sequenceNr: revision,
    timestamp: undefined,
    snapshotSequenceNr: null,
    replayed: 0,
    skippedSnapshots: [],
  };
}
