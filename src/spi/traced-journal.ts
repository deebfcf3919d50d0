/**
 * A journal as the runtime uses it when telemetry is on: each write, replay, highest
 * sequence number read and delete becomes a span with the persistence id, sequence numbers
 * and event counts (see src/observability/telemetry.ts).
 * @module
 */
import type { AtomicWrite, PersistentRepr } from '../core/persistent-repr.js';
import type { Telemetry, TelemetryAttributes } from '../observability/telemetry.js';
import type { Journal } from './journal.js';
import { withOverrides } from './store-overrides.js';

/** `journal` with its operations traced through `telemetry`. */
export function tracedJournal(journal: Journal, telemetry: Telemetry): Journal {
  return withOverrides<Journal>(journal, {
    write: (writes) =>
      telemetry.run(
        'memento.journal.write',
        writeAttributes(writes),
        () => journal.write(writes),
        (results) => ({ 'memento.rejected_writes': results.filter((result) => result !== undefined).length }),
      ),
    replay: (persistenceId, from, to, max) => tracedReplay(journal, telemetry, persistenceId, from, to, max),
    highestSequenceNr: (persistenceId, from) =>
      telemetry.run(
        'memento.journal.highest_sequence_nr',
        { 'memento.persistence_id': persistenceId },
        () => journal.highestSequenceNr(persistenceId, from),
        (highest) => ({ 'memento.sequence_nr': highest }),
      ),
    deleteTo: (persistenceId, toSequenceNr) =>
      telemetry.run('memento.journal.delete', { 'memento.persistence_id': persistenceId, 'memento.sequence_nr.to': toSequenceNr }, () =>
        journal.deleteTo(persistenceId, toSequenceNr),
      ),
  });
}

function writeAttributes(writes: readonly AtomicWrite[]): TelemetryAttributes {
  let events = 0;
  for (const write of writes) events += write.events.length;
  const first = writes[0];
  const attributes: TelemetryAttributes = { 'memento.events': events, 'memento.writes': writes.length };
  // A batch of one id (the runtime's usual write) names it and its numbers; a group commit of many ids only counts.
  if (first && writes.every((write) => write.persistenceId === first.persistenceId)) {
    attributes['memento.persistence_id'] = first.persistenceId;
    attributes['memento.sequence_nr.from'] = first.events[0]?.sequenceNr;
    attributes['memento.sequence_nr.to'] = writes.at(-1)?.events.at(-1)?.sequenceNr;
  }
  return attributes;
}

/** The replay as one span, from the first `next()` to the end of the iteration (or its failure or early stop). */
function tracedReplay(
  journal: Journal,
  telemetry: Telemetry,
  persistenceId: string,
  from: number,
  to: number,
  max: number | undefined,
): AsyncIterable<PersistentRepr> {
  return {
    [Symbol.asyncIterator]() {
      const inner = journal.replay(persistenceId, from, to, max)[Symbol.asyncIterator]();
      const span = telemetry.start('memento.journal.replay', {
        'memento.persistence_id': persistenceId,
        'memento.sequence_nr.from': from,
        'memento.sequence_nr.to': to,
        'memento.replay_max': max,
      });
      let count = 0;
      let last: number | undefined;
      const ended = () => ({ 'memento.events': count, 'memento.sequence_nr.last': last });
      return {
        next: () =>
          inner.next().then(
            (result) => {
              if (result.done) span.end(ended());
              else {
                count++;
                last = result.value.sequenceNr;
              }
              return result;
            },
            (error: unknown) => {
              span.end(ended(), error);
              throw error;
            },
          ),
        return: async () => {
          span.end(ended());
          return (await inner.return?.()) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
