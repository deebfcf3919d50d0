/**
 * Recovery: the youngest usable snapshot, then the events after it. Refuses to build a
 * state from a journal with holes (in the middle or at the tail, up to the highest sequence
 * number the journal recorded), which is what deleted events behind an unusable snapshot or
 * rows removed by hand would otherwise produce silently.
 * @module
 */
import { storedSizeOf } from '../../core/encoded-size.js';
import { RecoveryError } from '../../core/errors.js';
import type { PersistentRepr } from '../../core/persistent-repr.js';
import { ReplayPacer, type ReplayProgress } from '../../core/replay-pacer.js';
import type { SnapshotOffer } from '../../core/snapshot-results.js';
import type { Journal } from '../../spi/journal.js';
import type { SnapshotStore } from '../../spi/snapshot-store.js';
import type { EventAdapters } from '../adapters/event-adapters.js';
import type { SnapshotSkipped } from '../cell/signals.js';
import type { RecoverySettings } from './recovery-settings.js';
import { messageOf, selectSnapshot } from './snapshot-selection.js';
import type { SnapshotCodec } from './snapshot-versioning.js';

/** Where recovered snapshots, events and skips go (the front end's state). */
export interface RecoveryTarget<State> {
  /** Told about each snapshot passed over, before any offer or event; `byRuntime` when no store reported it. */
  onSkipped(skipped: SnapshotSkipped, byRuntime: boolean): void;
  onSnapshot(offer: SnapshotOffer<State>): void;
  onEvent(repr: PersistentRepr): void;
}

/** What recovery found. */
export interface RecoveryOutcome {
  readonly lastSequenceNr: number;
  readonly snapshotSequenceNr: number;
  readonly replayed: number;
  /** Stored size of the replayed events; undefined when the journal does not tell it and no `sizeOf` measured it. */
  readonly bytesRead: number | undefined;
}

/** Everything one recovery needs. */
export interface RecoveryInput<State> {
  readonly persistenceId: string;
  readonly journal: Journal;
  readonly snapshotStore: SnapshotStore;
  readonly settings: RecoverySettings;
  readonly codec: SnapshotCodec<State>;
  /** Turn stored events back into domain events (upcasting). */
  readonly adapters: EventAdapters;
  readonly target: RecoveryTarget<State>;
  /** Told about progress besides `settings.onProgress` (the runtime's hooks). */
  readonly onProgress?: ((progress: ReplayProgress) => void) | undefined;
  /** Measures an event the journal did not size when decoding it (a journal of another make). */
  readonly sizeOf?: ((event: unknown) => number) | undefined;
}

/** Recovers one entity; every failure is a RecoveryError naming the persistence id. */
export async function recover<State>(input: RecoveryInput<State>): Promise<RecoveryOutcome> {
  const { persistenceId, journal, settings, target } = input;
  const criteria = settings.fromSnapshot.limit(settings.toSequenceNr);
  const selection = await selectSnapshot(input.snapshotStore, persistenceId, criteria, input.codec);
  for (const skipped of selection.skipped) target.onSkipped(skipped, selection.skippedByRuntime.has(skipped));
  const snapshotSequenceNr = selection.offer?.metadata.sequenceNr ?? 0;
  if (selection.offer) {
    const offer = selection.offer;
    await guard(persistenceId, `applying snapshot ${snapshotSequenceNr}`, async () => target.onSnapshot(offer));
  }

  const highest = await guard(persistenceId, 'reading the highest sequence number', () => journal.highestSequenceNr(persistenceId));
  const from = snapshotSequenceNr + 1;
  const to = Math.min(settings.toSequenceNr, highest);
  let replayed = 0;
  let bytesRead: number | undefined = 0;
  if (to >= from && settings.replayMax > 0) {
    let expected = from;
    const pacer = new ReplayPacer(persistenceId, Math.min(to - from + 1, settings.replayMax), {
      ...settings,
      onProgress: both(settings.onProgress, input.onProgress),
    });
    await guard(persistenceId, 'replaying events', async () => {
      for await (const repr of journal.replay(persistenceId, from, to, settings.replayMax)) {
        if (repr.sequenceNr !== expected) throw missingEvents(persistenceId, expected, repr.sequenceNr - 1, selection.skipped);
        if (bytesRead !== undefined) {
          const size = storedSizeOf(repr) ?? input.sizeOf?.(repr.event);
          bytesRead = size === undefined ? undefined : bytesRead + size;
        }
        for (const event of input.adapters.fromJournal(repr)) applyEvent(target, event === repr.event ? repr : { ...repr, event });
        expected++;
        const pause = pacer.step();
        if (pause) await pause;
      }
    });
    replayed = pacer.replayed;
    pacer.finish();
    // The replay stopped short of the highest sequence number the journal recorded although
    // neither toSequenceNr nor replayMax asked it to: the tail was deleted behind its back.
    if (expected <= to && replayed < settings.replayMax) throw missingEvents(persistenceId, expected, to, selection.skipped);
  }
  return { lastSequenceNr: Math.max(highest, snapshotSequenceNr), snapshotSequenceNr, replayed, bytesRead };
}

function both<T>(first: ((value: T) => void) | undefined, second: ((value: T) => void) | undefined): ((value: T) => void) | undefined {
  if (!first || !second) return first ?? second;
  return (value) => {
    first(value);
    second(value);
  };
}

function applyEvent<State>(target: RecoveryTarget<State>, repr: PersistentRepr): void {
  try {
    target.onEvent(repr);
  } catch (cause) {
    throw new RecoveryError(
      `cannot recover ${JSON.stringify(repr.persistenceId)}: the event handler threw on event ${repr.sequenceNr}: ${messageOf(cause)}`,
      { persistenceId: repr.persistenceId, actual: repr.sequenceNr, cause },
    );
  }
}

async function guard<T>(persistenceId: string, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof RecoveryError) throw cause;
    throw new RecoveryError(`cannot recover ${JSON.stringify(persistenceId)}: ${what} failed: ${messageOf(cause)}`, {
      persistenceId,
      cause,
    });
  }
}

function missingEvents(persistenceId: string, from: number, to: number, skipped: readonly SnapshotSkipped[]): RecoveryError {
  const range = from === to ? `event ${from} is` : `events ${from} to ${to} are`;
  const unusable = skipped.map((skip) => `${skip.metadata.sequenceNr} (${skip.reason}: ${skip.error.message})`);
  const because =
    unusable.length === 0
      ? ''
      : `; the snapshots that covered them cannot be used: ${unusable.join(', ')}; restore a snapshot or the events`;
  return new RecoveryError(
    `cannot recover ${JSON.stringify(persistenceId)}: ${range} no longer in the journal (deleted?), so a replay would build a wrong state${because}`,
    { persistenceId, expected: `events from ${from}`, actual: 'missing', cause: skipped[0]?.error },
  );
}
