/**
 * Events of one id as tools show them: a bounded page, or a live tail.
 * @module
 */
import type { PersistentRepr } from '../core/persistent-repr.js';
import { MAX_SEQUENCE_NR, validateInteger } from '../core/validation.js';
import { journalCapabilities } from '../spi/capabilities.js';
import { type ChangeSource, ChangeWaiter, closeOnly } from '../spi/change-waiter.js';
import type { Journal } from '../spi/journal.js';
import { validateReplayArguments } from '../spi/journal-support.js';
import type { EventView } from './inspection.js';

/** Events per page when `limit` is not given. */
export const DEFAULT_EVENT_PAGE = 1000;

/** Events read per round trip by `follow`. */
const FOLLOW_PAGE = 500;

/** The view of one stored event. */
export function eventView(repr: PersistentRepr): EventView {
  const view: { -readonly [K in keyof EventView]: EventView[K] } = {
    persistenceId: repr.persistenceId,
    sequenceNr: repr.sequenceNr,
    timestamp: repr.timestamp,
    event: repr.event,
  };
  if (repr.manifest !== undefined) view.manifest = repr.manifest;
  if (repr.tags !== undefined) view.tags = repr.tags;
  if (repr.writerId !== undefined) view.writerId = repr.writerId;
  if (repr.metadata !== undefined) view.metadata = repr.metadata;
  return view;
}

/** One page of events within [from, to], at most `limit`. */
export async function eventPage(
  journal: Journal,
  persistenceId: string,
  options: { readonly from?: number; readonly to?: number; readonly limit?: number } = {},
): Promise<EventView[]> {
  const bounds = validateReplayArguments(
    persistenceId,
    options.from ?? 1,
    options.to ?? MAX_SEQUENCE_NR,
    options.limit ?? DEFAULT_EVENT_PAGE,
  );
  const events: EventView[] = [];
  for await (const repr of journal.replay(persistenceId, bounds.from, bounds.to, bounds.max)) events.push(eventView(repr));
  return events;
}

/**
 * Events from `from` on, then new ones as they are written, until `signal` aborts. Wakes on
 * the journal's append notifications (PostgreSQL's LISTEN, in-process for the others) and
 * polls with back-off otherwise, as the read journal's live queries do; it replays instead
 * of using `eventsByPersistenceId` because query envelopes carry no manifest, writer or metadata.
 */
export async function* followEvents(
  journal: Journal,
  persistenceId: string,
  options: { readonly from: number; readonly signal: AbortSignal },
): AsyncIterable<EventView> {
  validateReplayArguments(persistenceId, options.from, MAX_SEQUENCE_NR);
  let next = Math.max(1, validateInteger(options.from, 'options.from', { persistenceId }, { min: 0 }));
  // Notifications only from a journal declaring them (capabilities.live), as the read journal does.
  const source = journal as ChangeSource;
  const waiter = new ChangeWaiter(journalCapabilities(journal).live ? source : closeOnly(source), options.signal, { maxPollMs: 1000 });
  waiter.start();
  try {
    while (!options.signal.aborted) {
      let read = 0;
      for await (const repr of journal.replay(persistenceId, next, MAX_SEQUENCE_NR, FOLLOW_PAGE)) {
        read++;
        next = repr.sequenceNr + 1;
        yield eventView(repr);
        if (options.signal.aborted) return;
      }
      if (read === FOLLOW_PAGE) continue;
      if (read > 0) waiter.progressed();
      if (!(await waiter.wait())) return;
    }
  } finally {
    await waiter.close();
  }
}
