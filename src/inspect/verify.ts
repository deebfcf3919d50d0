/**
 * Shadow replay: rebuilds each id's state from its events with the current code and
 * compares it with every stored snapshot (or a sample), so a snapshot that no longer
 * equals the replay (the fold changed, a bug, a hand edit) is reported, never trusted
 * silently. One forward fold per id: each snapshot is checked against the replay up to
 * it, which continues from the previous one.
 * @module
 */

import type { PersistentRepr } from '../core/persistent-repr.js';
import type { SnapshotMetadata } from '../core/snapshot-metadata.js';
import { nextTurn } from '../core/timers.js';
import type { Journal } from '../spi/journal.js';
import type { SnapshotStore } from '../spi/snapshot-store.js';
import { diffStates } from '../time-travel/state-diff.js';
import type { DefinitionRegistry, EventSourcedFold } from './definitions.js';
import type { UnverifiedSnapshot, VerifyProblem, VerifyReport } from './inspection.js';
import { listSnapshots, plainMessage, readExactSnapshot } from './snapshot-reading.js';
import { abortError } from './state-rebuild.js';

/** Differing paths reported per mismatch. */
export const REPORTED_DIFFERENCES = 5;

/** Options of a verify run. */
export interface VerifyOptions {
  /** Check at most this many snapshots per id, spread evenly, the newest always included. @default all */
  readonly sample?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Events replayed so far, and the total when known. */
  readonly onProgress?: ((done: number, total: number | undefined) => void) | undefined;
}

/** Running totals of one verify run. */
export class VerifyTally {
  idsChecked = 0;
  snapshotsChecked = 0;
  eventsReplayed = 0;
  interrupted = false;
  readonly problems: VerifyProblem[] = [];
  readonly unverified: UnverifiedSnapshot[] = [];

  report(): VerifyReport {
    const { idsChecked, snapshotsChecked, eventsReplayed, problems, unverified, interrupted } = this;
    return { idsChecked, snapshotsChecked, eventsReplayed, problems, unverified, interrupted, ok: problems.length === 0 && !interrupted };
  }
}

/** At most `count` of `snapshots`, spread evenly, always including the newest. */
export function sampleSnapshots<T>(snapshots: readonly T[], count: number | undefined): T[] {
  if (count === undefined || count >= snapshots.length) return [...snapshots];
  if (count <= 0) return [];
  const chosen: T[] = [];
  for (let index = 1; index <= count; index++) chosen.push(snapshots[Math.ceil((index * snapshots.length) / count) - 1] as T);
  return chosen;
}

/** What verifying one id reads. */
export interface VerifySources {
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly definitions: DefinitionRegistry;
}

/** Verifies one id's snapshots into `tally`; every finding names the id and sequence number. */
export async function verifyId(sources: VerifySources, persistenceId: string, tally: VerifyTally, options: VerifyOptions): Promise<void> {
  const listed = sampleSnapshots(await listSnapshots(sources.snapshotStore, persistenceId), options.sample);
  tally.idsChecked++;
  if (listed.length === 0) return;
  let fold: EventSourcedFold;
  try {
    const known = sources.definitions.forPersistenceId(persistenceId);
    if (known.kind === 'durable')
      throw new Error(`${JSON.stringify(known.name)} is a durable entity definition, which keeps no events to replay`);
    fold = known.fold;
  } catch (error) {
    tally.problems.push({
      persistenceId,
      sequenceNr: (listed[0] as SnapshotMetadata).sequenceNr,
      kind: 'unverifiable',
      message: plainMessage(error),
    });
    return;
  }
  const last = (listed[listed.length - 1] as SnapshotMetadata).sequenceNr;
  const replay = new ForwardReplay(sources.journal, persistenceId, fold, last, tally, options);
  try {
    for (const snapshot of listed) {
      if (options.signal?.aborted) throw abortError('verify');
      await checkSnapshot(sources.snapshotStore, snapshot, fold, replay, tally);
    }
  } finally {
    await replay.close();
  }
}

async function checkSnapshot(
  store: SnapshotStore,
  snapshot: SnapshotMetadata,
  fold: EventSourcedFold,
  replay: ForwardReplay,
  tally: VerifyTally,
): Promise<void> {
  const { persistenceId, sequenceNr } = snapshot;
  const name = `snapshot ${sequenceNr} of ${JSON.stringify(persistenceId)}`;
  const read = await readExactSnapshot(store, persistenceId, sequenceNr);
  if (read === null) return; // deleted while verifying: nothing left to be wrong
  if (!read.readable) {
    tally.problems.push({ persistenceId, sequenceNr, kind: 'damaged', message: plainMessage(read.error) });
    return;
  }
  let stored: unknown;
  try {
    const decoded = fold.codec.decode(read.selected);
    if (!decoded.usable) {
      tally.problems.push({
        persistenceId,
        sequenceNr,
        kind: 'unverifiable',
        message: `${name} has snapshot version ${decoded.version}; ${fold.name} is at version ${fold.codec.version} and no snapshot adapter migrates it`,
      });
      return;
    }
    stored = decoded.offer.snapshot;
  } catch (error) {
    tally.problems.push({
      persistenceId,
      sequenceNr,
      kind: 'damaged',
      message: `${name} cannot be turned into a state: ${plainMessage(error)}`,
    });
    return;
  }
  const replayed = await replay.to(sequenceNr, stored);
  if (replayed.kind === 'baseline') {
    tally.unverified.push({ persistenceId, sequenceNr, reason: replayed.reason });
    return;
  }
  if (replayed.kind === 'failed') {
    tally.problems.push({ persistenceId, sequenceNr, kind: 'unverifiable', message: replayed.reason });
    return;
  }
  tally.snapshotsChecked++;
  const differences = diffStates(stored, replayed.state);
  if (differences.length === 0) return;
  const first = differences[0];
  const path = first && first.path.length > 0 ? first.path.join('.') : '(the whole state)';
  tally.problems.push({
    persistenceId,
    sequenceNr,
    kind: 'mismatch',
    differences: differences.slice(0, REPORTED_DIFFERENCES),
    message: `${name} differs from the replay of events ${replayed.from} to ${sequenceNr} at ${path} (${differences.length} differing path${differences.length === 1 ? '' : 's'})`,
  });
}

type ReplayOutcome =
  | { readonly kind: 'state'; readonly state: unknown; readonly from: number }
  | { readonly kind: 'baseline'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * The fold of one id's events, moving forward only: one replay from the first event to the
 * last snapshot checked, paused at each snapshot (a replay per snapshot would query the
 * journal again for every one).
 */
class ForwardReplay {
  #state: unknown;
  #at = 0;
  /** Where the replay that the next comparison rests on started (1, or after a baseline). */
  #from = 1;
  #broken: string | undefined;
  #events: AsyncIterator<PersistentRepr> | undefined;
  /** An event read past the snapshot being checked, kept for the next one. */
  #pending: PersistentRepr | undefined;
  #exhausted = false;

  constructor(
    private readonly journal: Journal,
    private readonly persistenceId: string,
    private readonly fold: EventSourcedFold,
    private readonly last: number,
    private readonly tally: VerifyTally,
    private readonly options: VerifyOptions,
  ) {
    this.#state = fold.initialState;
  }

  /**
   * The replayed state right after `sequenceNr`. When the events needed were deleted, the
   * snapshot itself becomes the baseline the next snapshots are checked against.
   */
  async to(sequenceNr: number, stored: unknown): Promise<ReplayOutcome> {
    if (this.#broken) return { kind: 'failed', reason: this.#broken };
    let expected = this.#at + 1;
    try {
      for (;;) {
        // The journal's iterator read in place rather than through an async helper: a helper
        // adds a promise per event, a cost of its own next to a plain replay's.
        let repr = this.#pending;
        if (repr !== undefined) this.#pending = undefined;
        else {
          if (this.#exhausted) break;
          this.#events ??= this.journal.replay(this.persistenceId, this.#at + 1, this.last)[Symbol.asyncIterator]();
          const result = await this.#events.next();
          if (result.done) {
            this.#exhausted = true;
            break;
          }
          repr = result.value;
        }
        if (repr.sequenceNr <= this.#at) continue; // before a baseline: not needed any more
        if (repr.sequenceNr > sequenceNr) {
          this.#pending = repr;
          break;
        }
        if (repr.sequenceNr !== expected)
          return this.#baseline(sequenceNr, stored, `events ${expected} to ${repr.sequenceNr - 1} were deleted`);
        this.#state = this.fold.apply(this.#state, repr);
        expected++;
        this.tally.eventsReplayed++;
        if (this.tally.eventsReplayed % 1000 === 0) {
          if (this.options.signal) await nextTurn(); // lets a Ctrl-C abort the signal
          if (this.options.signal?.aborted) throw abortError('verify');
          this.options.onProgress?.(this.tally.eventsReplayed, undefined);
        }
        if (expected > sequenceNr) break;
      }
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw error;
      this.#broken = `replaying the events of ${JSON.stringify(this.persistenceId)} failed at event ${expected}: ${plainMessage(error)}`;
      return { kind: 'failed', reason: this.#broken };
    }
    if (expected <= sequenceNr) {
      const highest = await this.journal.highestSequenceNr(this.persistenceId);
      if (highest < sequenceNr) {
        return {
          kind: 'failed',
          reason: `snapshot ${sequenceNr} of ${JSON.stringify(this.persistenceId)} is beyond the journal's highest sequence number ${highest}`,
        };
      }
      return this.#baseline(sequenceNr, stored, `events ${expected} to ${sequenceNr} were deleted`);
    }
    this.#at = sequenceNr;
    const outcome = { kind: 'state' as const, state: this.#state, from: this.#from };
    return outcome;
  }

  /** Ends the journal's replay early (after the last snapshot, or on an abort). */
  async close(): Promise<void> {
    this.#exhausted = true;
    await this.#events?.return?.();
  }

  #baseline(sequenceNr: number, stored: unknown, why: string): ReplayOutcome {
    this.#state = stored;
    this.#at = sequenceNr;
    this.#from = sequenceNr + 1;
    return { kind: 'baseline', reason: `${why}: the snapshot cannot be checked and becomes the baseline for the next ones` };
  }
}
