/**
 * Writes one batch of events as one AtomicWrite and classifies the outcome the way the
 * runtime must react to it: stored, rejected (that command fails), conflict (another
 * writer won; reload), or failed (the store is down; stop the entity). Event adapters
 * turn the events into their stored form; a stored outcome carries the domain events
 * again, for the handlers.
 * @module
 */
import { isConcurrencyError } from '../../core/errors.js';
import { type PersistentRepr, persistentRepr } from '../../core/persistent-repr.js';
import type { Logger } from '../../observability/logger.js';
import type { Journal } from '../../spi/journal.js';
import type { EventAdapters } from '../adapters/event-adapters.js';
import { asError, PersistFailedError } from '../cell/runtime-errors.js';

/** Outcome of {@link writeEvents}. */
export type PersistOutcome =
  | { readonly status: 'stored'; readonly reprs: readonly PersistentRepr[] }
  | { readonly status: 'rejected' | 'conflict' | 'failed'; readonly error: Error };

/** Stores `events` as sequence numbers `lastSequenceNr + 1 ...`, all or none. */
export async function writeEvents(
  journal: Journal,
  persistenceId: string,
  lastSequenceNr: number,
  events: readonly unknown[],
  writerId: string,
  adapters: EventAdapters,
): Promise<PersistOutcome> {
  const timestamp = Date.now();
  let reprs: PersistentRepr[];
  try {
    reprs = events.map((event, index) => {
      const form = adapters.toJournal(event, persistenceId);
      // Built field by field, not by spreading `form`: V8 makes a spread followed by new
      // properties a slow path, and this runs for every persisted event.
      const init: { -readonly [K in keyof PersistentRepr]: PersistentRepr[K] } = {
        persistenceId,
        sequenceNr: lastSequenceNr + 1 + index,
        event: form.event,
        timestamp,
        writerId,
      };
      if (form.manifest !== undefined) init.manifest = form.manifest;
      if (form.tags !== undefined) init.tags = form.tags;
      return persistentRepr(init);
    });
  } catch (error) {
    return { status: 'rejected', error: asError(error) };
  }
  let results: (Error | undefined)[];
  try {
    results = await journal.write([{ persistenceId, events: reprs }]);
  } catch (error) {
    return { status: isConcurrencyError(error) ? 'conflict' : 'failed', error: asError(error) };
  }
  const error = results[0];
  if (error === undefined) {
    return { status: 'stored', reprs: adapters.empty ? reprs : reprs.map((repr, index) => ({ ...repr, event: events[index] })) };
  }
  return { status: isConcurrencyError(error) ? 'conflict' : 'rejected', error: asError(error) };
}

/** Logs a write that did not store, and turns a store failure into a PersistFailedError for the asker. */
export function explainFailedWrite(
  outcome: Exclude<PersistOutcome, { status: 'stored' }>,
  logger: Logger,
  persistenceId: string,
  fromSequenceNr: number,
): PersistOutcome {
  const fields = { persistenceId, fromSequenceNr, error: outcome.error.message };
  switch (outcome.status) {
    case 'rejected':
      logger.warn('[memento] [runtime] journal rejected events; the command failed, state unchanged', fields);
      return outcome;
    case 'conflict':
      logger.warn('[memento] [runtime] another writer persisted first; reloading before the next command', fields);
      return outcome;
    case 'failed': {
      logger.error('[memento] [runtime] journal write failed; entity stopped, recovers on its next command', fields);
      const message = `persisting events from ${fromSequenceNr} of ${JSON.stringify(persistenceId)} failed; the entity was stopped and recovers on its next command: ${outcome.error.message}`;
      return { status: 'failed', error: new PersistFailedError(message, { persistenceId, cause: outcome.error }) };
    }
  }
}
