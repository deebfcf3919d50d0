/**
 * The encoded size of an event, for `snapshotEveryBytes` on writes: what the journal's own
 * serialization makes of it (a built-in journal exposes it), else what the default
 * serialization would. Only measured when an entity asks for it: serializing twice costs as
 * much as the write's own serializing. Recovery reads the size the journal stamped when it
 * decoded each event instead, and measures here only events a journal of another make did
 * not size.
 * @module
 */
import { Serialization } from '../../serialization/serialization.js';

/** Measures events in bytes for one journal. */
export function eventSizer(journal: object, persistenceId: string): (event: unknown) => number {
  const own = (journal as { serialization?: unknown }).serialization;
  const serialization = own instanceof Serialization ? own : new Serialization();
  const context = { persistenceId, what: 'event' as const };
  return (event) => {
    try {
      return serialization.serialize(event, context).length;
    } catch {
      // The write itself reports an event it cannot serialize; its size counts as nothing here.
      return 0;
    }
  };
}
